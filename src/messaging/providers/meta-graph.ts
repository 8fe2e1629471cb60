/**
 * Meta Graph API pieces shared by Messenger, WhatsApp and Facebook Custom Audiences:
 * the call itself (over http.ts), error classification, the `X-Hub-Signature-256`
 * webhook check and the GET subscription handshake.
 * (Named for its first user to stay inside this change's file set; `meta-graph.ts`
 * would be the better name.)
 *
 * Graph reports most failures, rate limits included, with HTTP 400/403 and an
 * `error.code`, so the code decides retryability, not only the status:
 * - rate limits (retryable): 4 app, 17 user, 32 page, 613 custom, 80000–80014 business
 *   use case (80003 is Custom Audiences), WhatsApp 130429 throughput, 131048 spam rate,
 *   131056 pair rate, 133016 registration;
 * - transient (retryable): 1 unknown, 2 service unavailable, WhatsApp 131000 and 131016,
 *   and anything Graph flags `is_transient: true`;
 * - everything else is not: 190 token, 100 invalid parameter, 10/200 permission,
 *   551 user unavailable, 368 policy block, WhatsApp 131026 undeliverable, 131047
 *   outside the 24 h window, 132xxx template errors...
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ProviderError } from './types.ts';
import { httpRequest, isRetryableStatus, parseRetryAfter, statusError, type HttpResult } from './http.ts';

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON.parse answering undefined instead of throwing: error bodies are not always JSON. */
export function tryJson(text: string): unknown {
  if (!text) return undefined;
  try { return JSON.parse(text) as unknown; } catch { return undefined; }
}

const RATE_LIMIT_CODES = new Set([4, 17, 32, 613, 130429, 131048, 131056, 133016]);
const TRANSIENT_CODES = new Set([1, 2, 131000, 131016]);

export function isGraphRateLimit(code: number): boolean {
  return RATE_LIMIT_CODES.has(code) || (code >= 80000 && code <= 80014);
}

export interface GraphCall {
  baseUrl: string;
  apiVersion: string;
  /** Path after the version, without a leading slash: "me/messages", "act_1/customaudiences". */
  path: string;
  method: 'GET' | 'POST' | 'DELETE';
  query?: Record<string, string>;
  json?: unknown;
  headers?: Record<string, string>;
  timeoutMs: number;
  fetch?: typeof fetch;
  now: () => number;
}

export function graphUrl(baseUrl: string, apiVersion: string, path: string, query: Record<string, string> = {}): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/${apiVersion}/${path}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.toString();
}

/** Calls Graph and returns the parsed JSON body, or throws the classified ProviderError. */
export async function graphCall(call: GraphCall): Promise<Record<string, unknown>> {
  const res = await httpRequest({
    url: graphUrl(call.baseUrl, call.apiVersion, call.path, call.query),
    method: call.method,
    headers: { accept: 'application/json', ...call.headers },
    json: call.json,
    timeoutMs: call.timeoutMs,
    fetch: call.fetch,
    now: call.now,
    label: 'graph',
    classify: r => graphError(r, call.now()),
  });
  const body = tryJson(res.text);
  if (!isObject(body)) throw new ProviderError('graph: 2xx without a JSON object', false, { status: res.status, code: 'bad_response' });
  return body;
}

/** Classifies a non-2xx Graph answer; falls back to the plain HTTP rules when there is no Graph error body. */
export function graphError(res: HttpResult, now: number): ProviderError {
  const body = tryJson(res.text);
  const err = isObject(body) && isObject(body.error) ? body.error : undefined;
  if (!err) return statusError('graph', res, () => now);
  const { status, headers } = res;
  const code = typeof err.code === 'number' ? err.code : undefined;
  const sub = typeof err.error_subcode === 'number' ? `/${err.error_subcode}` : '';
  const message = `graph: error ${code ?? '?'}${sub}: ${typeof err.message === 'string' ? err.message : 'unknown'}`;
  const rateLimited = code !== undefined && isGraphRateLimit(code);
  const retryable = rateLimited || isRetryableStatus(status) || err.is_transient === true
    || (code !== undefined && TRANSIENT_CODES.has(code));
  const opts: { status: number; code?: string; retryAfterMs?: number } = { status };
  if (code !== undefined) opts.code = String(code);
  if (retryable) {
    const after = parseRetryAfter(headers.get('retry-after'), now) ?? regainAccessMs(headers);
    if (after !== undefined) opts.retryAfterMs = after;
  }
  return new ProviderError(message, retryable, opts);
}

/**
 * Graph sends no Retry-After, but its usage headers carry `estimated_time_to_regain_access`
 * (minutes) when a business use case is throttled; the largest one is the wait.
 */
function regainAccessMs(headers: Headers): number | undefined {
  const raw = headers.get('x-business-use-case-usage');
  const usage = raw ? tryJson(raw) : undefined;
  if (!isObject(usage)) return undefined;
  let minutes = 0;
  for (const entries of Object.values(usage)) {
    if (!Array.isArray(entries)) continue;
    for (const e of entries) {
      const m = isObject(e) ? e.estimated_time_to_regain_access : undefined;
      if (typeof m === 'number' && m > minutes) minutes = m;
    }
  }
  return minutes > 0 ? minutes * 60_000 : undefined;
}

/** `appsecret_proof`: proves the caller holds the app secret, so a leaked token alone is not enough. */
export function appSecretProof(accessToken: string, appSecret: string): string {
  return createHmac('sha256', appSecret).update(accessToken).digest('hex');
}

/** Checks `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body keyed with the app secret>`. */
export function verifyHubSignature(rawBody: Buffer, header: string | undefined, appSecret: string): boolean {
  if (!header || !header.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Test and fake-server helper: the header Meta would send for this body. */
export function hubSignature(rawBody: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/** Parses a signed Meta webhook body, throwing ProviderError(false) on a bad signature or bad JSON. */
export function parseSignedMetaBody(rawBody: Buffer, header: string | undefined, appSecret: string): Record<string, unknown> {
  if (!verifyHubSignature(rawBody, header, appSecret)) {
    throw new ProviderError('bad X-Hub-Signature-256 signature', false, { status: 401, code: 'bad_signature' });
  }
  const body = tryJson(rawBody.toString('utf8'));
  if (!isObject(body)) throw new ProviderError('webhook body is not a JSON object', false, { status: 400, code: 'bad_body' });
  return body;
}

/**
 * The GET handshake Meta makes when a webhook URL is registered: answer `hub.challenge`
 * when `hub.mode` is "subscribe" and `hub.verify_token` is ours, otherwise null (reply 403).
 */
export function verifyChallenge(query: Record<string, string | undefined>, verifyToken: string): string | null {
  const token = query['hub.verify_token'];
  const challenge = query['hub.challenge'];
  if (query['hub.mode'] !== 'subscribe' || token === undefined || challenge === undefined) return null;
  const a = Buffer.from(token);
  const b = Buffer.from(verifyToken);
  return a.length === b.length && timingSafeEqual(a, b) ? challenge : null;
}
