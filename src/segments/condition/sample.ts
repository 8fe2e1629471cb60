/**
 * Deterministic sampling: a profile is in `{"sample": {"percent": P, "salt": S}}` when
 * bucket(S, id) < P, with bucket = FNV-1a-32(UTF-8 of S + ":" + id) / 2^32 × 100, in
 * [0, 100). FNV-1a is tiny, fast, stable across versions and easy to reproduce in SQL or
 * another language; it is not cryptographic and needs not be. The same salt gives nested
 * samples (10% ⊂ 20%); a new salt reshuffles everyone.
 */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

const step = (h: number, byte: number) => Math.imul(h ^ byte, FNV_PRIME) >>> 0;

/** Continues an FNV-1a hash over the UTF-8 bytes of `s` (lone surrogates as U+FFFD, like TextEncoder). */
export function fnv1a(s: string, h = FNV_OFFSET): number {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) { h = step(h, c); continue; }
    if (c < 0x800) { h = step(step(h, 0xc0 | (c >> 6)), 0x80 | (c & 63)); continue; }
    if (c >= 0xd800 && c < 0xe000) {
      const d = c < 0xdc00 && i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        h = step(step(step(step(h, 0xf0 | (c >> 18)), 0x80 | ((c >> 12) & 63)), 0x80 | ((c >> 6) & 63)), 0x80 | (c & 63));
        continue;
      }
      c = 0xfffd;
    }
    h = step(step(step(h, 0xe0 | (c >> 12)), 0x80 | ((c >> 6) & 63)), 0x80 | (c & 63));
  }
  return h;
}

/** The profile's bucket in [0, 100) for this salt. */
export const sampleBucket = (salt: string, profileId: string): number => (fnv1a(profileId, fnv1a(`${salt}:`)) / 2 ** 32) * 100;

/** A test of profile ids; the salt's part of the hash is computed once. */
export function compileSample(percent: number, salt: string): (profileId: string) => boolean {
  const seed = fnv1a(`${salt}:`);
  return id => (fnv1a(id, seed) / 2 ** 32) * 100 < percent;
}
