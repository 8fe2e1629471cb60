/**
 * The one way HTTP providers call their service, so every provider classifies failures alike.
 *
 *   const res = await httpRequest({
 *     url: `${baseUrl}/v3/mail/send`, method: 'POST',
 *     headers: { authorization: `Bearer ${key}` },
 *     json: payload,                 // or body: string | Uint8Array | URLSearchParams
 *     timeoutMs: settings.timeoutMs, // default 10 000
 *     fetch: deps.fetch, now: deps.now, label: 'sendgrid',
 *   });
 *   res.status; res.headers.get('x-message-id'); res.text; res.json<T>();
 *
 * Resolves only for 2xx. Everything else throws a ProviderError:
 * - 408, 429 and 5xx: retryable, with `retryAfterMs` from Retry-After (seconds or HTTP-date);
 * - 3xx: not retryable, code 'redirect' (redirects are never followed: a provider redirecting
 *   is a wrong base URL, and following one could carry the credentials to another host);
 * - other 4xx: not retryable;
 * - timeout: retryable, code 'timeout'; connection refused/reset, DNS: retryable, code 'network'.
 * `classify(res)` lets a provider map a response to its own error first (FCM's UNREGISTERED,
 * Web Push's 410); returning undefined falls back to the rules above.
 *
 * Also exported: `statusError(label, res, now)` (the default classification, to build on in a
 * classify), `isRetryableStatus(status)`, `parseRetryAfter(value, nowMs)`, `headerValue(headers,
 * name)` (case-insensitive, for webhooks), `snippet(text)`, `DEFAULT_TIMEOUT_MS`.
 * Push providers sending to several tokens fold the results with httpFanout.ts.
 */
import { ProviderError } from './types.ts';

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface HttpCall {
  url: string;
  /** Default 'GET', or 'POST' when a body is given. */
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | URLSearchParams;
  /** Sent as JSON with content-type application/json; ignored when `body` is given. */
  json?: unknown;
  /** Whole call including reading the body; default 10 000 ms. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Used to turn a Retry-After HTTP-date into a delay; default Date.now. */
  now?: () => number;
  /** Prefix of error messages, e.g. the provider name. */
  label?: string;
  classify?: (res: HttpResult) => ProviderError | undefined;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** Parses `text`; throws a non-retryable ProviderError when it is not JSON. */
  json<T = unknown>(): T;
}

export async function httpRequest(call: HttpCall): Promise<HttpResult> {
  const label = call.label ?? 'http';
  const doFetch = call.fetch ?? fetch;
  const timeoutMs = call.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers: Record<string, string> = { ...call.headers };
  let body = call.body;
  if (body === undefined && call.json !== undefined) {
    body = JSON.stringify(call.json);
    if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
  }
  let res: Response;
  let text: string;
  try {
    res = await doFetch(call.url, {
      method: call.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      // Buffer is a Uint8Array over ArrayBufferLike, which TS's BodyInit does not name; fetch takes it.
      body: body as BodyInit | undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    throw networkError(label, err, timeoutMs);
  }
  const result: HttpResult = {
    status: res.status,
    headers: res.headers,
    text,
    json<T>() {
      try { return JSON.parse(text) as T; } catch {
        throw new ProviderError(`${label}: response is not JSON: ${snippet(text)}`, false, { status: res.status, code: 'bad_response' });
      }
    },
  };
  if (res.status >= 200 && res.status < 300) return result;
  throw call.classify?.(result) ?? statusError(label, result, call.now ?? Date.now);
}

/** The default classification of a non-2xx response. */
export function statusError(label: string, res: HttpResult, now: () => number = Date.now): ProviderError {
  const { status } = res;
  const message = `${label}: HTTP ${status}${res.text ? ` ${snippet(res.text)}` : ''}`;
  if (status >= 300 && status < 400) {
    return new ProviderError(`${message} (redirect to ${res.headers.get('location') ?? '?'} not followed)`, false, { status, code: 'redirect' });
  }
  if (isRetryableStatus(status)) {
    return new ProviderError(message, true, { status, retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), now()) });
  }
  return new ProviderError(message, false, { status });
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

function networkError(label: string, err: unknown, timeoutMs: number): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return new ProviderError(`${label}: no answer within ${timeoutMs} ms`, true, { code: 'timeout' });
  }
  const cause = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
  return new ProviderError(`${label}: request failed (${cause})`, true, { code: 'network' });
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some(k => k.toLowerCase() === name);
}

/** Error bodies go into messages and logs: keep them short. */
export function snippet(text: string, max = 300): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}

/** A request header by case-insensitive name, first value when repeated (for webhook parsing). */
export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === lower) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}
