/**
 * The `inapp` provider: in-app and onsite messages wait in the outbox itself. "Sending" one
 * only marks it ready (status `sent`, rendered content kept on the row); the app or the
 * website fetches it with GET /v1/messages, which marks it `delivered`. No service is
 * called, so a resend after a crash is harmless and the provider id is derived from the
 * outbox id. (The capture provider works the same way for fetching: the outbox row is read,
 * not the captured copy.)
 */
import { z } from 'zod';
import type { Provider, ProviderFactory } from '../providers/index.ts';

export const inappSettings = z.object({}).strict();
export type InappSettings = z.output<typeof inappSettings>;

export const inappProvider = {
  name: 'inapp',
  channel: 'in_app',
  settings: inappSettings,
  secretFields: [],
  create(): Provider {
    return {
      name: 'inapp',
      channel: 'in_app',
      send: async message => ({ providerMessageId: `inapp_${message.id}` }),
    };
  },
} satisfies ProviderFactory<InappSettings>;
