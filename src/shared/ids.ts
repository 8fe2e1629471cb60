import { randomBytes, randomUUID } from 'node:crypto';

/** Opaque ids with a readable prefix, e.g. prof_3f2a…; sortable by nothing, unique by construction. */
export const newId = (prefix: string) => `${prefix}_${randomUUID().replace(/-/g, '')}`;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** A random token of base62 characters, for keys and secrets. */
export function randomToken(length: number): string {
  const bytes = randomBytes(length * 2);
  let out = '';
  for (let i = 0; i < bytes.length && out.length < length; i++) {
    if (bytes[i] < 248) out += ALPHABET[bytes[i] % 62]; // 248 = 4*62: keeps the draw unbiased
  }
  return out.length === length ? out : out + randomToken(length - out.length);
}
