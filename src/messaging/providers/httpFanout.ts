/**
 * Push providers get one message for several device tokens but must answer with one SendResult.
 * `fanOut` sends to each token and folds the outcomes:
 * - any token succeeded: the send succeeded (retrying would repeat it on those devices);
 *   tokens the service declared dead come back in `deadTokens`; other failures are dropped;
 * - none succeeded and some failure is retryable: throw that (largest Retry-After wins);
 * - every token dead: throw the dead error, so the caller marks all of them dead;
 * - otherwise: throw the first non-retryable error.
 */
import { ProviderError, type SendResult } from './types.ts';

export async function fanOut(
  tokens: string[] | undefined,
  deadCode: string,
  sendOne: (token: string) => Promise<string | null>,
): Promise<SendResult> {
  const list = [...new Set(tokens ?? [])];
  if (!list.length) throw new ProviderError('no push token for this recipient', false, { code: 'no_recipient' });
  const settled = await Promise.allSettled(list.map(t => sendOne(t)));
  const ok: (string | null)[] = [];
  const dead: string[] = [];
  const errors: ProviderError[] = [];
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') { ok.push(s.value); return; }
    const err = s.reason instanceof ProviderError ? s.reason : new ProviderError(String(s.reason), false);
    if (err.opts.code === deadCode) dead.push(list[i]);
    errors.push(err);
  });
  if (ok.length) {
    return { providerMessageId: ok.find(id => id !== null) ?? null, ...(dead.length ? { deadTokens: dead } : {}) };
  }
  const retryable = errors.filter(e => e.retryable);
  if (retryable.length) {
    const first = retryable[0];
    const waits = retryable.map(e => e.opts.retryAfterMs).filter((ms): ms is number => ms !== undefined);
    throw waits.length ? new ProviderError(first.message, true, { ...first.opts, retryAfterMs: Math.max(...waits) }) : first;
  }
  // A dead-token error must only surface when every token is dead: the caller drops them all.
  if (dead.length === list.length) throw errors[0];
  throw errors.find(e => e.opts.code !== deadCode) ?? errors[0];
}
