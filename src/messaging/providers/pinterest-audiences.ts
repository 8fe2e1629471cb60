/**
 * Pinterest customer lists (API v5), an AudienceProvider. `Authorization: Bearer <accessToken>`
 * (scope ads:write) on every call.
 *
 * - ensureAudience(name): the id from `settings.customerLists[name]`, else a list of that name
 *   found with `GET /v5/ad_accounts/{id}/customer_lists` (bookmark paging), else the reference
 *   `name:<name>`. Pinterest creates a list only together with its first records, so a list
 *   that does not exist yet is made by the first `add`; the reference is resolved by name
 *   (and cached) on every later call, so the sync may keep it as the audience's id.
 * - create: `POST /v5/ad_accounts/{id}/customer_lists {name, records, list_type: EMAIL}`.
 * - add / remove: `PATCH /v5/ad_accounts/{id}/customer_lists/{list_id}
 *   {records, operation_type: ADD | REMOVE}`, in batches of at most `batchSize` records.
 *
 * Records: a comma-separated string of emails, each normalised (trimmed, lower-case) and
 * SHA-256 hex hashed (hashing.ts, "plain" rules); Pinterest's EMAIL lists take emails only,
 * so members without one are left out. `received` counts records sent.
 *
 * Errors are Pinterest's `{code, message}` with the HTTP status: 401 and 403 are not retryable,
 * 429 and 5xx are (Retry-After honoured). No idempotency key exists; adding or removing the
 * same people again is harmless, so a failed call is retried whole.
 */
import { z } from 'zod';
import type { AudienceMember, AudienceProvider, ProviderDeps, ProviderFactory } from './types.ts';
import { ProviderError } from './types.ts';
import { DEFAULT_TIMEOUT_MS, httpRequest, statusError, type HttpResult } from './http.ts';
import { hashMember } from './hashing.ts';

/** Upper bound of settings.batchSize. */
export const MAX_RECORDS_PER_REQUEST = 100_000;
const NAME_REF = 'name:';

export const pinterestAudiencesSettings = z.object({
  /** Default https://api.pinterest.com. */
  baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.pinterest.com'),
  adAccountId: z.string().regex(/^\d+$/, 'the ad account id, digits only'),
  /** OAuth 2 access token with ads:write. */
  accessToken: z.string().min(1),
  /** Known lists: Omnis audience name → customer list id. Default none. */
  customerLists: z.record(z.string(), z.string().regex(/^\d+$/)).default({}),
  /** Records per request. Default 10,000. */
  batchSize: z.number().int().min(1).max(MAX_RECORDS_PER_REQUEST).default(10_000),
  /** Default 10 s. */
  timeoutMs: z.number().int().positive().max(300_000).default(DEFAULT_TIMEOUT_MS),
});
export type PinterestAudiencesSettings = z.infer<typeof pinterestAudiencesSettings>;

/** The hashed emails of members, one record each, without repeats. */
export function pinterestRecords(members: AudienceMember[]): string[] {
  const out = new Set<string>();
  for (const m of members) for (const e of hashMember(m, 'plain').emails) out.add(e);
  return [...out];
}

function pinterestError(res: HttpResult, now: number): ProviderError {
  const base = statusError('pinterest', res, () => now);
  let body: unknown;
  try { body = JSON.parse(res.text); } catch { body = undefined; }
  const e = body && typeof body === 'object' ? (body as { code?: unknown; message?: unknown }) : {};
  if (typeof e.message !== 'string') return base;
  return new ProviderError(`pinterest: HTTP ${res.status} ${e.message}`, base.retryable, { ...base.opts, ...(typeof e.code === 'number' ? { code: String(e.code) } : {}) });
}

export function createPinterestAudiences(settings: PinterestAudiencesSettings, deps: ProviderDeps = {}): AudienceProvider {
  const now = deps.now ?? Date.now;
  const root = `${settings.baseUrl.replace(/\/+$/, '')}/v5/ad_accounts/${settings.adAccountId}/customer_lists`;
  const known = new Map(Object.entries(settings.customerLists));
  const call = async (method: 'GET' | 'POST' | 'PATCH', url: string, json?: unknown): Promise<Record<string, unknown>> => {
    const res = await httpRequest({
      url, method, json, headers: { authorization: `Bearer ${settings.accessToken}`, accept: 'application/json' },
      timeoutMs: settings.timeoutMs, fetch: deps.fetch, now, label: 'pinterest', classify: r => pinterestError(r, now()),
    });
    const body = res.json<unknown>();
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ProviderError('pinterest: answer is not an object', false, { code: 'bad_response' });
    return body as Record<string, unknown>;
  };

  async function findByName(name: string): Promise<string | undefined> {
    let bookmark: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const q = new URLSearchParams({ page_size: '250', ...(bookmark ? { bookmark } : {}) });
      const res = await call('GET', `${root}?${q}`);
      const items = Array.isArray(res.items) ? res.items as { id?: unknown; name?: unknown }[] : [];
      const hit = items.find(i => i.name === name && typeof i.id === 'string');
      if (hit) return hit.id as string;
      if (typeof res.bookmark !== 'string' || !res.bookmark || !items.length) return undefined;
      bookmark = res.bookmark;
    }
    return undefined;
  }

  /** The list's id, or undefined when a `name:` reference names a list not created yet. */
  async function resolve(audienceId: string): Promise<{ id?: string; name?: string }> {
    if (!audienceId.startsWith(NAME_REF)) {
      if (!/^\d+$/.test(audienceId)) throw new ProviderError(`not a customer list id: ${audienceId}`, false, { code: 'bad_audience' });
      return { id: audienceId };
    }
    const name = audienceId.slice(NAME_REF.length);
    const id = known.get(name) ?? await findByName(name);
    if (id) known.set(name, id);
    return { id, name };
  }

  async function update(audienceId: string, members: AudienceMember[], op: 'ADD' | 'REMOVE'): Promise<{ received: number }> {
    const records = pinterestRecords(members);
    if (!records.length) return { received: 0 };
    const target = await resolve(audienceId);
    if (!target.id && op === 'REMOVE') return { received: 0 };
    let received = 0;
    for (let i = 0; i < records.length; i += settings.batchSize) {
      const batch = records.slice(i, i + settings.batchSize).join(',');
      if (!target.id) {
        const res = await call('POST', root, { name: target.name, records: batch, list_type: 'EMAIL' });
        if (typeof res.id !== 'string') throw new ProviderError('pinterest: created a customer list without an id', false, { code: 'bad_response' });
        target.id = res.id;
        known.set(target.name!, res.id);
      } else {
        await call('PATCH', `${root}/${target.id}`, { records: batch, operation_type: op });
      }
      received += Math.min(settings.batchSize, records.length - i);
    }
    return { received };
  }

  return {
    name: 'pinterest-audiences',
    channel: 'ads',
    async ensureAudience(name: string): Promise<string> {
      const id = known.get(name) ?? await findByName(name);
      if (!id) return `${NAME_REF}${name}`;
      known.set(name, id);
      return id;
    },
    add: (audienceId, members) => update(audienceId, members, 'ADD'),
    remove: (audienceId, members) => update(audienceId, members, 'REMOVE'),
  };
}

export const pinterestAudiencesProvider: ProviderFactory<PinterestAudiencesSettings> = {
  name: 'pinterest-audiences',
  channel: 'ads',
  settings: pinterestAudiencesSettings,
  secretFields: ['accessToken'],
  create: (settings, deps) => createPinterestAudiences(settings, deps),
};
