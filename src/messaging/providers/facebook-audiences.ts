/**
 * Facebook/Instagram Custom Audiences from customer lists (Marketing API), an AudienceProvider.
 *
 * - ensureAudience(name): the id from `settings.audiences[name]`, else an audience of that
 *   name already in the ad account (so a retried create does not make a twin), else
 *   `POST /{v}/act_{adAccountId}/customaudiences {name, subtype: CUSTOM,
 *   customer_file_source: USER_PROVIDED_ONLY}`.
 * - add / remove: `POST` / `DELETE /{v}/{audienceId}/users` with
 *   `{payload: {schema: ["EMAIL", "PHONE", "FN", ...], data: [[hash, hash, ...], ...]},
 *    session: {session_id, batch_seq, last_batch_flag, estimated_num_total}}`
 *   in batches of at most 10,000 rows (`settings.batchSize`).
 *
 * Rows: identifiers are normalised and hashed per Meta's rules (hashing.ts); a member with
 * several emails or phones becomes several rows (one per email/phone pair), so
 * `received` (Meta's `num_received`, summed) counts rows, not people. Missing values are
 * empty strings; the schema holds only the keys some member has.
 *
 * Retries: Graph has no idempotency key, but adding or removing the same people again is
 * harmless, so a failed call is retried whole (a new session). Errors classify as for
 * Messenger; 80003 is the Custom Audiences rate limit, and Meta's usage header gives the wait.
 */
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import type { AudienceMember, AudienceProvider, ProviderDeps, ProviderFactory } from './types.ts';
import { ProviderError } from './types.ts';
import { appSecretProof, graphCall, isObject } from './meta-graph.ts';
import { DEFAULT_TIMEOUT_MS } from './http.ts';
import { hashMember, type HashedMember } from './hashing.ts';

export const MAX_ROWS_PER_REQUEST = 10_000;

export const facebookAudiencesSettings = z.object({
  /** Default https://graph.facebook.com. */
  baseUrl: z.url({ protocol: /^https?$/ }).default('https://graph.facebook.com'),
  /** Default v21.0. */
  apiVersion: z.string().regex(/^v\d+\.\d+$/, 'like v21.0').default('v21.0'),
  /** With or without the "act_" prefix. */
  adAccountId: z.string().regex(/^(act_)?\d+$/, 'the ad account id, e.g. act_1234567890'),
  /** A system user token with ads_management. */
  accessToken: z.string().min(1),
  /** Adds appsecret_proof to every call when set. */
  appSecret: z.string().min(1).optional(),
  /** Known audiences: Omnis audience name → Custom Audience id. Default none. */
  audiences: z.record(z.string(), z.string().regex(/^\d+$/)).default({}),
  /** Rows per request, at most 10,000 (Meta's limit). Default 10,000. */
  batchSize: z.number().int().min(1).max(MAX_ROWS_PER_REQUEST).default(MAX_ROWS_PER_REQUEST),
  /** Country for phone numbers written without a country code, when the member has none. */
  defaultCountry: z.string().regex(/^[a-z]{2}$/i).optional(),
  /** Default 10 s. */
  timeoutMs: z.number().int().positive().max(300_000).default(DEFAULT_TIMEOUT_MS),
});
export type FacebookAudiencesSettings = z.infer<typeof facebookAudiencesSettings>;

const KEYS = ['EMAIL', 'PHONE', 'FN', 'LN', 'ZIP', 'COUNTRY'] as const;
type Key = (typeof KEYS)[number];

export interface CustomerFile { schema: Key[]; data: string[][] }

/** Hashes members and lays them out as Meta's multi-key customer file. */
export function customerFile(members: AudienceMember[], defaultCountry?: string): CustomerFile {
  const rows: Record<Key, string>[] = [];
  for (const m of members) rows.push(...memberRows(hashMember(m, 'facebook', { defaultCountry })));
  const schema = KEYS.filter(k => rows.some(r => r[k] !== ''));
  return { schema, data: rows.map(r => schema.map(k => r[k])) };
}

function memberRows(h: HashedMember): Record<Key, string>[] {
  const n = Math.max(h.emails.length, h.phones.length, 1);
  const rows: Record<Key, string>[] = [];
  for (let i = 0; i < n; i++) {
    const row: Record<Key, string> = {
      EMAIL: h.emails[i] ?? '', PHONE: h.phones[i] ?? '', FN: h.firstName ?? '', LN: h.lastName ?? '', ZIP: h.zip ?? '', COUNTRY: h.country ?? '',
    };
    if (Object.values(row).some(v => v !== '')) rows.push(row);
  }
  return rows;
}

export function createFacebookAudiences(settings: FacebookAudiencesSettings, deps: ProviderDeps = {}): AudienceProvider {
  const now = deps.now ?? Date.now;
  const account = settings.adAccountId.replace(/^act_/, '');
  const known = new Map(Object.entries(settings.audiences));
  const auth: { headers: Record<string, string>; query: Record<string, string> } = {
    headers: { authorization: `Bearer ${settings.accessToken}` },
    query: settings.appSecret ? { appsecret_proof: appSecretProof(settings.accessToken, settings.appSecret) } : {},
  };
  const call = (method: 'GET' | 'POST' | 'DELETE', path: string, json?: unknown, query: Record<string, string> = {}) => graphCall({
    baseUrl: settings.baseUrl, apiVersion: settings.apiVersion, path, method, json,
    headers: auth.headers, query: { ...auth.query, ...query }, timeoutMs: settings.timeoutMs, fetch: deps.fetch, now,
  });

  async function findByName(name: string): Promise<string | undefined> {
    let after: string | undefined;
    for (;;) {
      const page = await call('GET', `act_${account}/customaudiences`, undefined, { fields: 'id,name', limit: '500', ...(after ? { after } : {}) });
      const data = Array.isArray(page.data) ? page.data.filter(isObject) : [];
      const hit = data.find(a => a.name === name && typeof a.id === 'string');
      if (hit) return hit.id as string;
      const paging = isObject(page.paging) ? page.paging : {};
      const cursor = isObject(paging.cursors) && typeof paging.cursors.after === 'string' ? paging.cursors.after : undefined;
      // Graph gives `next` only while more pages exist; the cursor alone repeats on the last page.
      if (!paging.next || !cursor || !data.length) return undefined;
      after = cursor;
    }
  }

  async function upload(method: 'POST' | 'DELETE', audienceId: string, members: AudienceMember[]): Promise<{ received: number }> {
    if (!/^\d+$/.test(audienceId)) throw new ProviderError(`not a Custom Audience id: ${audienceId}`, false, { code: 'bad_audience' });
    const file = customerFile(members, settings.defaultCountry);
    if (!file.data.length) return { received: 0 };
    const sessionId = randomInt(1, 2 ** 47);
    const batches = Math.ceil(file.data.length / settings.batchSize);
    let received = 0;
    for (let i = 0; i < batches; i++) {
      const res = await call(method, `${audienceId}/users`, {
        payload: { schema: file.schema, data: file.data.slice(i * settings.batchSize, (i + 1) * settings.batchSize) },
        session: { session_id: sessionId, batch_seq: i + 1, last_batch_flag: i === batches - 1, estimated_num_total: file.data.length },
      });
      received += typeof res.num_received === 'number' ? res.num_received : 0;
    }
    return { received };
  }

  return {
    name: 'facebook-audiences',
    channel: 'ads',
    async ensureAudience(name: string): Promise<string> {
      const cached = known.get(name);
      if (cached) return cached;
      let id = await findByName(name);
      if (!id) {
        const res = await call('POST', `act_${account}/customaudiences`, {
          name, subtype: 'CUSTOM', customer_file_source: 'USER_PROVIDED_ONLY', description: `Omnis audience ${name}`.slice(0, 100),
        });
        if (typeof res.id !== 'string') throw new ProviderError('Graph created an audience without an id', false, { code: 'bad_response' });
        id = res.id;
      }
      known.set(name, id);
      return id;
    },
    add: (audienceId, members) => upload('POST', audienceId, members),
    remove: (audienceId, members) => upload('DELETE', audienceId, members),
  };
}

export const facebookAudiencesProvider: ProviderFactory<FacebookAudiencesSettings> = {
  name: 'facebook-audiences',
  channel: 'ads',
  settings: facebookAudiencesSettings,
  secretFields: ['accessToken', 'appSecret'],
  create: (settings, deps) => createFacebookAudiences(settings, deps),
};
