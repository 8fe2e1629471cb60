/**
 * The delivery features wired in one call, for the composition root: provider webhooks in
 * (feedback), email open and click tracking, unsubscribe links and the preference center,
 * in-app message fetching, and the ad-audience sync with its API reads.
 *
 *   const delivery = createDelivery({ db, clock, secretKey, messaging, append: (ws, e) => log.append(ws, e),
 *     publicUrl: process.env.OMNIS_PUBLIC_URL });
 *   delivery.start();   // the audience sync loop; in one process only
 */
import type { Db } from '../../store/index.ts';
import type { Clock } from '../../shared/index.ts';
import type { Messaging } from '../outbox/index.ts';
import { AudienceService, AudienceSync, type AudienceSyncDeps } from '../audiences/index.ts';
import { InAppService } from '../inapp/index.ts';
import { PreferenceService, unsubscribeHeaders, unsubscribeUrl, type LinkMessage } from '../preferences/index.ts';
import { FeedbackService } from './service.ts';
import type { Append } from './events.ts';
import { EmailTracking } from './tracking.ts';

/** Where links point when OMNIS_PUBLIC_URL is not set. */
export const DEFAULT_PUBLIC_URL = 'http://127.0.0.1:3000';

export interface DeliveryOptions {
  db: Db;
  clock: Clock;
  /** OMNIS_SECRET_KEY: signs unsubscribe links, opens channel secrets (verify tokens). */
  secretKey: string;
  messaging: Pick<Messaging, 'channels' | 'recordFeedback'>;
  /** Appends to the event log (durable when it resolves). */
  append: Append;
  /** OMNIS_PUBLIC_URL, the URL the world reaches this server at. Default http://127.0.0.1:3000. */
  publicUrl?: string;
  /** Audience sync options (batchSize, intervalMs, retry...). */
  audienceSync?: Pick<AudienceSyncDeps, 'batchSize' | 'intervalMs' | 'retry' | 'random'>;
  onError?: (err: unknown) => void;
}

export function createDelivery(o: DeliveryOptions) {
  const { db, clock, secretKey, append } = o;
  const publicUrl = (o.publicUrl || DEFAULT_PUBLIC_URL).replace(/\/+$/, '');
  const onError = o.onError ?? (err => console.error('delivery:', err));
  const feedback = new FeedbackService({
    db, clock, secretKey, channels: o.messaging.channels, recordFeedback: input => o.messaging.recordFeedback(input), append, publicUrl,
  });
  const preferences = new PreferenceService({ db, clock, secretKey, append, publicUrl });
  const inapp = new InAppService({ db, clock, emit: async (ws, events) => { await append(ws, events); }, append, onError });
  const audienceSync = new AudienceSync({ db, clock, channels: o.messaging.channels, onError, ...o.audienceSync });
  const audiences = new AudienceService({ db, clock, sync: audienceSync });
  const tracking = new EmailTracking({ secretKey, now: () => clock.now(), feedback, onError });
  return {
    publicUrl, feedback, preferences, inapp, audiences, audienceSync, tracking,
    /** RFC 8058 headers for a marketing email (none otherwise); the dispatcher adds them to content.headers. */
    unsubscribeHeaders: (m: LinkMessage) => unsubscribeHeaders(publicUrl, secretKey, m),
    /** The same link, for templates ("{{ message.unsubscribeUrl }}"). */
    unsubscribeUrl: (m: LinkMessage) => unsubscribeUrl(publicUrl, secretKey, m),
    start: () => audienceSync.start(),
    stop: () => audienceSync.stop(),
  };
}

export type Delivery = ReturnType<typeof createDelivery>;
