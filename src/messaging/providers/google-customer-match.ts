/**
 * Google Ads Customer Match through the Google Ads API REST interface, an AudienceProvider.
 * Headers on every call: `Authorization: Bearer <accessToken>`, `developer-token`, and
 * `login-customer-id` when the account is reached through a manager account.
 *
 * - ensureAudience(name): the id from `settings.userLists[name]`, else a user list of that
 *   name found with `googleAds:search`, else a CRM-based list created with
 *   `POST /v{N}/customers/{cid}/userLists:mutate` (uploadKeyType CONTACT_INFO).
 * - add / remove: one OfflineUserDataJob per call:
 *   `offlineUserDataJobs:create` {type: CUSTOMER_MATCH_USER_LIST, customerMatchUserListMetadata:
 *   {userList, consent?}}, then `{job}:addOperations` with `operations: [{create|remove:
 *   {userIdentifiers: [{hashedEmail}, {hashedPhoneNumber}, {addressInfo}]}}]` and partial
 *   failure on, in batches of at most `batchSize` identifiers (Google's cap is 100,000 per
 *   request and 20 per person), then `{job}:run`. The job runs at Google for minutes to
 *   hours; it is not awaited. `received` counts people sent, less operations Google
 *   rejected in a partial failure.
 *
 * Access tokens: `accessToken` is a short-lived OAuth token taken as given; refreshing it
 * (client id/secret + refresh token) is left to the caller for now. A 401 is not retryable.
 * Retries: no idempotency key exists; a failed call is retried whole with a new job, and
 * adding or removing the same people twice is harmless.
 * Errors: HTTP 429/5xx and gRPC statuses RESOURCE_EXHAUSTED, UNAVAILABLE, DEADLINE_EXCEEDED,
 * INTERNAL, ABORTED (concurrent modification) are retryable, waiting `Retry-After` or the
 * quota error's `retryDelay`; INVALID_ARGUMENT, PERMISSION_DENIED, UNAUTHENTICATED are not.
 */
import { z } from 'zod';
import type { AudienceMember, AudienceProvider, ProviderDeps, ProviderFactory } from './types.ts';
import { ProviderError } from './types.ts';
import { DEFAULT_TIMEOUT_MS, httpRequest, parseRetryAfter, statusError, type HttpResult } from './http.ts';
import { hashMember } from './hashing.ts';

export const MAX_IDENTIFIERS_PER_REQUEST = 100_000;
const MAX_IDENTIFIERS_PER_PERSON = 20;

const customerId = z.string().regex(/^\d{3}-?\d{3}-?\d{4}$/, 'a 10-digit customer id, dashes allowed');
const consentStatus = z.enum(['GRANTED', 'DENIED', 'UNSPECIFIED']);

export const googleCustomerMatchSettings = z.object({
  /** Default https://googleads.googleapis.com. */
  baseUrl: z.url({ protocol: /^https?$/ }).default('https://googleads.googleapis.com'),
  /** Google Ads API version. Default v20. */
  apiVersion: z.string().regex(/^v\d+$/, 'like v20').default('v20'),
  customerId,
  /** The manager account's id, when access goes through one. */
  loginCustomerId: customerId.optional(),
  developerToken: z.string().min(1),
  /** OAuth 2 access token (scope adwords). */
  accessToken: z.string().min(1),
  /** Known lists: Omnis audience name → user list id. Default none. */
  userLists: z.record(z.string(), z.string().regex(/^\d+$/)).default({}),
  /** Identifiers per addOperations request, at most 100,000. Default 10,000 (Google's advice). */
  batchSize: z.number().int().min(MAX_IDENTIFIERS_PER_PERSON).max(MAX_IDENTIFIERS_PER_REQUEST).default(10_000),
  /** EU user consent sent with every job; required for EEA users since March 2024. Default not sent. */
  consent: z.object({ adUserData: consentStatus, adPersonalization: consentStatus }).optional(),
  /** Membership life span of lists Omnis creates, in days. Default 540 (Google's maximum). */
  membershipLifeSpanDays: z.number().int().min(1).max(540).default(540),
  /** Country for phone numbers without one, when the member has none. */
  defaultCountry: z.string().regex(/^[a-z]{2}$/i).optional(),
  /** Default 10 s. */
  timeoutMs: z.number().int().positive().max(300_000).default(DEFAULT_TIMEOUT_MS),
});
export type GoogleCustomerMatchSettings = z.infer<typeof googleCustomerMatchSettings>;

type UserIdentifier =
  | { hashedEmail: string } | { hashedPhoneNumber: string }
  | { addressInfo: { hashedFirstName: string; hashedLastName: string; countryCode: string; postalCode: string } };

/** The userIdentifiers of one person, hashed per Google's rules; empty when none is usable. */
export function userIdentifiers(m: AudienceMember, defaultCountry?: string): UserIdentifier[] {
  const h = hashMember(m, 'google', { defaultCountry });
  const ids: UserIdentifier[] = [
    ...h.emails.map(hashedEmail => ({ hashedEmail })),
    ...h.phones.map(hashedPhoneNumber => ({ hashedPhoneNumber })),
  ];
  // Google matches an address only with all four parts.
  if (h.firstName && h.lastName && h.country && h.zip) {
    ids.push({ addressInfo: { hashedFirstName: h.firstName, hashedLastName: h.lastName, countryCode: h.country, postalCode: h.zip } });
  }
  return ids.slice(0, MAX_IDENTIFIERS_PER_PERSON);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
function tryJson(text: string): unknown {
  try { return JSON.parse(text) as unknown; } catch { return undefined; }
}

const RETRYABLE_STATUS = new Set(['RESOURCE_EXHAUSTED', 'UNAVAILABLE', 'DEADLINE_EXCEEDED', 'INTERNAL', 'ABORTED']);

export function googleAdsError(res: HttpResult, now: number): ProviderError {
  const base = statusError('google-ads', res, () => now);
  const body = tryJson(res.text);
  const e = isObject(body) && isObject(body.error) ? body.error : undefined;
  if (!e) return base;
  const status = typeof e.status === 'string' ? e.status : undefined;
  const retryable = base.retryable || (status !== undefined && RETRYABLE_STATUS.has(status));
  // The first GoogleAdsError names the real cause (DEVELOPER_TOKEN_NOT_APPROVED, RESOURCE_EXHAUSTED...).
  const details = Array.isArray(e.details) ? e.details.filter(isObject) : [];
  const errors = details.flatMap(d => (Array.isArray(d.errors) ? d.errors.filter(isObject) : []));
  const first = errors[0];
  const errorCode = first && isObject(first.errorCode) ? Object.values(first.errorCode).find(v => typeof v === 'string') : undefined;
  const message = `google-ads: HTTP ${res.status} ${status ?? ''} ${typeof first?.message === 'string' ? first.message : typeof e.message === 'string' ? e.message : ''}`.replace(/\s+/g, ' ').trim();
  const opts: { status: number; code?: string; retryAfterMs?: number } = { status: res.status };
  const code = typeof errorCode === 'string' ? errorCode : status;
  if (code) opts.code = code;
  if (retryable) {
    const delay = /"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"/.exec(res.text);
    const after = parseRetryAfter(res.headers.get('retry-after'), now) ?? (delay ? Math.ceil(Number(delay[1]) * 1000) : undefined);
    if (after !== undefined) opts.retryAfterMs = after;
  }
  return new ProviderError(message, retryable, opts);
}

/** Operation indexes Google rejected, from a partialFailureError's GoogleAdsFailure details. */
function failedIndexes(res: Record<string, unknown>): Set<number> {
  const out = new Set<number>();
  const pf = isObject(res.partialFailureError) ? res.partialFailureError : undefined;
  for (const d of pf && Array.isArray(pf.details) ? pf.details.filter(isObject) : []) {
    for (const err of Array.isArray(d.errors) ? d.errors.filter(isObject) : []) {
      const path = isObject(err.location) && Array.isArray(err.location.fieldPathElements) ? err.location.fieldPathElements.filter(isObject) : [];
      const op = path.find(p => p.fieldName === 'operations');
      if (op && typeof op.index === 'number') out.add(op.index);
    }
  }
  return out;
}

const gaqlString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function createGoogleCustomerMatch(settings: GoogleCustomerMatchSettings, deps: ProviderDeps = {}): AudienceProvider {
  const now = deps.now ?? Date.now;
  const cid = settings.customerId.replace(/-/g, '');
  const known = new Map(Object.entries(settings.userLists));
  const headers: Record<string, string> = {
    authorization: `Bearer ${settings.accessToken}`,
    'developer-token': settings.developerToken,
    ...(settings.loginCustomerId ? { 'login-customer-id': settings.loginCustomerId.replace(/-/g, '') } : {}),
  };
  const root = `${settings.baseUrl.replace(/\/+$/, '')}/${settings.apiVersion}`;

  async function call(path: string, json: unknown): Promise<Record<string, unknown>> {
    const res = await httpRequest({
      url: `${root}/${path}`, method: 'POST', headers, json, timeoutMs: settings.timeoutMs,
      fetch: deps.fetch, now, label: 'google-ads', classify: r => googleAdsError(r, now()),
    });
    const body = tryJson(res.text);
    return isObject(body) ? body : {};
  }

  async function findList(name: string): Promise<string | undefined> {
    const res = await call(`customers/${cid}/googleAds:search`, {
      query: `SELECT user_list.resource_name, user_list.name FROM user_list WHERE user_list.name = ${gaqlString(name)}`,
    });
    const rows = Array.isArray(res.results) ? res.results.filter(isObject) : [];
    const list = rows.map(r => r.userList).find(isObject);
    return list && typeof list.resourceName === 'string' ? list.resourceName.split('/').pop() : undefined;
  }

  async function upload(kind: 'create' | 'remove', audienceId: string, members: AudienceMember[]): Promise<{ received: number }> {
    const userList = audienceId.includes('/') ? audienceId : `customers/${cid}/userLists/${audienceId}`;
    if (!/^customers\/\d+\/userLists\/\d+$/.test(userList)) throw new ProviderError(`not a user list: ${audienceId}`, false, { code: 'bad_audience' });
    const people = members.map(m => userIdentifiers(m, settings.defaultCountry)).filter(ids => ids.length > 0);
    if (!people.length) return { received: 0 };
    const job = await call(`customers/${cid}/offlineUserDataJobs:create`, {
      job: {
        type: 'CUSTOMER_MATCH_USER_LIST',
        customerMatchUserListMetadata: { userList, ...(settings.consent ? { consent: settings.consent } : {}) },
      },
    });
    if (typeof job.resourceName !== 'string') throw new ProviderError('google-ads: job created without a resourceName', false, { code: 'bad_response' });
    let rejected = 0;
    let batch: UserIdentifier[][] = [];
    let count = 0;
    const flush = async () => {
      if (!batch.length) return;
      const res = await call(`${job.resourceName}:addOperations`, {
        enablePartialFailure: true, operations: batch.map(userIdentifiers => ({ [kind]: { userIdentifiers } })),
      });
      rejected += failedIndexes(res).size;
      batch = [];
      count = 0;
    };
    for (const ids of people) {
      if (count + ids.length > settings.batchSize) await flush();
      batch.push(ids);
      count += ids.length;
    }
    await flush();
    await call(`${job.resourceName}:run`, {});
    return { received: people.length - rejected };
  }

  return {
    name: 'google-customer-match',
    channel: 'ads',
    async ensureAudience(name: string): Promise<string> {
      const cached = known.get(name);
      if (cached) return cached;
      let id = await findList(name);
      if (!id) {
        const res = await call(`customers/${cid}/userLists:mutate`, {
          operations: [{
            create: {
              name, description: `Omnis audience ${name}`, membershipLifeSpan: String(settings.membershipLifeSpanDays),
              crmBasedUserList: { uploadKeyType: 'CONTACT_INFO', dataSourceType: 'FIRST_PARTY' },
            },
          }],
        });
        const first = Array.isArray(res.results) ? res.results.find(isObject) : undefined;
        id = first && typeof first.resourceName === 'string' ? first.resourceName.split('/').pop() : undefined;
        if (!id) throw new ProviderError('google-ads: user list created without a resourceName', false, { code: 'bad_response' });
      }
      known.set(name, id);
      return id;
    },
    add: (audienceId, members) => upload('create', audienceId, members),
    remove: (audienceId, members) => upload('remove', audienceId, members),
  };
}

export const googleCustomerMatchProvider: ProviderFactory<GoogleCustomerMatchSettings> = {
  name: 'google-customer-match',
  channel: 'ads',
  settings: googleCustomerMatchSettings,
  secretFields: ['developerToken', 'accessToken'],
  create: (settings, deps) => createGoogleCustomerMatch(settings, deps),
};
