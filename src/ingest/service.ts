import { gunzipSync, inflateSync } from 'node:zlib';
import type { EventType } from '../shared/index.ts';
import { OmnisError, type Clock } from '../shared/index.ts';
import type { OmnisEvent } from '../shared/index.ts';
import { LIMITS } from './limits.ts';
import { validateEvent, EventError } from './validate.ts';
import type { ApiKey, KeyCache } from './keys.ts';
import { RateLimiter } from './ratelimit.ts';

export interface IngestResult { accepted: number; rejected: { index: number; messageId: string | null; error: string }[] }

export interface IngestDeps {
  /** Makes the events durable: the log itself, or the accept journal in front of it. */
  accept: (workspaceId: string, events: OmnisEvent[]) => Promise<unknown>;
  keys: KeyCache;
  clock: Clock;
  /** Events per second per write key unless the key sets its own. Default 50,000. */
  defaultRateLimit?: number;
  /** Identifiers of forgotten profiles are dropped later, in the pipeline; nothing to do here. */
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a request body: gzip/deflate when declared, strict UTF-8, JSON. */
export function decodeBody(raw: Buffer, encoding: string | undefined): unknown {
  let buf = raw;
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  try {
    // The limit applies to what the body unpacks to as well, so a small gzip bomb is refused.
    if (enc === 'gzip' || enc === 'x-gzip') buf = gunzipSync(raw, { maxOutputLength: LIMITS.batchBytes });
    else if (enc === 'deflate') buf = inflateSync(raw, { maxOutputLength: LIMITS.batchBytes });
    else if (enc !== 'identity' && enc !== '') throw new OmnisError('invalid', `unsupported Content-Encoding "${enc}"; send gzip, deflate or none`, 'content-encoding');
  } catch (e) {
    if (e instanceof OmnisError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) throw new OmnisError('too_large', `body unpacks to more than ${LIMITS.batchBytes} bytes`);
    throw new OmnisError('invalid', 'body is not valid gzip/deflate data', 'body');
  }
  if (buf.length > LIMITS.batchBytes) throw new OmnisError('too_large', `body is larger than ${LIMITS.batchBytes} bytes`);
  let text: string;
  try { text = utf8.decode(buf); } catch { throw new OmnisError('invalid', 'body is not valid UTF-8', 'body'); }
  try { return JSON.parse(text); } catch (e) {
    throw new OmnisError('invalid', e instanceof RangeError ? 'JSON nested too deeply' : `malformed JSON: ${(e as Error).message}`, 'body');
  }
}

/** The write key from Basic auth ("writeKey:") or from the body's writeKey field. */
export function writeKeyFrom(authorization: string | undefined, body: unknown): string | null {
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
    const user = decoded.split(':')[0];
    if (user) return user;
  }
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7).trim() || null;
  const k = body && typeof body === 'object' ? (body as Record<string, unknown>).writeKey : undefined;
  return typeof k === 'string' && k ? k : null;
}

export class IngestService {
  private limiter: RateLimiter;
  constructor(private deps: IngestDeps) { this.limiter = new RateLimiter(deps.clock); }

  async authenticate(authorization: string | undefined, body: unknown): Promise<ApiKey> {
    const secret = writeKeyFrom(authorization, body);
    if (!secret) throw new OmnisError('unauthorized', 'missing write key: send it as the Basic auth user ("writeKey:") or as writeKey in the body');
    const key = await this.deps.keys.authenticate(secret, 'write');
    if (!key) throw new OmnisError('unauthorized', 'unknown or revoked write key');
    return key;
  }

  /**
   * Validates each event on its own, appends the good ones to the log (durable when this
   * resolves) and reports the rest with the reason. `type` is the endpoint's type, or null
   * for /v1/batch.
   */
  async ingest(key: ApiKey, type: EventType | null, body: unknown): Promise<IngestResult> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new OmnisError('invalid', 'expected a JSON object', 'body');
    const b = body as Record<string, unknown>;
    let items: unknown[];
    let shared: { context?: unknown; integrations?: unknown; sentAt?: unknown } = {};
    if (type === null) {
      if (!Array.isArray(b.batch)) throw new OmnisError('invalid', 'expected an array of events', 'batch');
      items = b.batch;
      shared = { context: b.context, integrations: b.integrations, sentAt: b.sentAt };
    } else items = [b];

    const wait = this.limiter.take(key.id, key.rateLimit ?? this.deps.defaultRateLimit ?? 50_000, items.length);
    if (wait) throw new OmnisError('rate_limited', `write key ${key.prefix}… is over its limit of ${key.rateLimit ?? this.deps.defaultRateLimit ?? 50_000} events per second`, undefined, { retryAfter: wait });

    const receivedAt = this.deps.clock.now();
    const ctx = { receivedAt, sentAt: shared.sentAt, defaultChannel: key.channel, sourceId: key.id };
    const good = [];
    const rejected: IngestResult['rejected'] = [];
    for (let i = 0; i < items.length; i++) {
      let item = items[i];
      const messageId = item && typeof item === 'object' && typeof (item as Record<string, unknown>).messageId === 'string' ? (item as Record<string, string>).messageId : null;
      try {
        if (i >= LIMITS.batchEvents) throw new EventError('batch', `more than ${LIMITS.batchEvents} events in one batch`);
        if (type === null && (shared.context || shared.integrations) && item && typeof item === 'object' && !Array.isArray(item)) item = withShared(item as Record<string, unknown>, shared);
        const { writeKey: _ignored, ...rest } = (item ?? {}) as Record<string, unknown>;
        good.push(validateEvent(item && typeof item === 'object' && !Array.isArray(item) ? rest : item, type, ctx));
      } catch (e) {
        if (!(e instanceof EventError)) throw e;
        rejected.push({ index: i, messageId, error: e.message });
      }
    }
    await this.deps.accept(key.workspaceId, good);
    return { accepted: good.length, rejected };
  }
}

/** Segment semantics: the batch's context and integrations merge into each item; the item wins. */
function withShared(item: Record<string, unknown>, shared: { context?: unknown; integrations?: unknown }): Record<string, unknown> {
  const out = { ...item };
  if (shared.context && typeof shared.context === 'object' && !Array.isArray(shared.context)) {
    out.context = { ...(shared.context as object), ...((item.context && typeof item.context === 'object' ? item.context : {}) as object) };
  }
  if (shared.integrations && typeof shared.integrations === 'object' && !Array.isArray(shared.integrations)) {
    out.integrations = { ...(shared.integrations as object), ...((item.integrations && typeof item.integrations === 'object' ? item.integrations : {}) as object) };
  }
  return out;
}
