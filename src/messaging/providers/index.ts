import type { ProviderFactory } from './types.ts';
import { smtpProvider } from './smtp.ts';
import { sendgridProvider } from './sendgrid.ts';
import { twilioProvider } from './twilio.ts';
import { webPushProvider } from './webpush.ts';
import { fcmProvider } from './fcm.ts';
import { messengerProvider } from './messenger.ts';
import { whatsappProvider } from './whatsapp.ts';
import { webhookProvider } from './webhook.ts';
import { lobProvider } from './lob.ts';
import { printCsvProvider } from './printcsv.ts';
import { facebookAudiencesProvider } from './facebook-audiences.ts';
import { googleCustomerMatchProvider } from './google-customer-match.ts';
import { pinterestAudiencesProvider } from './pinterest-audiences.ts';

export type * from './types.ts';
export { ProviderError } from './types.ts';
export { audienceCsv } from './audience-csv.ts';
export { hashMember } from './hashing.ts';
export { verifySignature as verifyWebhookSignature } from './webhook.ts';
export { verifyChallenge } from './meta-graph.ts';

/** Every provider, by name; PUT /api/v1/channels/{channel} picks one of these. */
export const PROVIDERS: Record<string, ProviderFactory<never>> = Object.fromEntries(
  [smtpProvider, sendgridProvider, twilioProvider, webPushProvider, fcmProvider, messengerProvider, whatsappProvider,
    webhookProvider, lobProvider, printCsvProvider, facebookAudiencesProvider, googleCustomerMatchProvider, pinterestAudiencesProvider]
    .map(p => [p.name, p as unknown as ProviderFactory<never>]),
);
