import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Passwords are hashed with scrypt, which is memory-hard: guessing costs memory as well as
 * time, so GPUs gain little. The parameters are stored with each hash (a PHC string), so
 * they can be raised later: old hashes still verify, and `needsRehash` says when to
 * replace one at the next successful sign-in.
 */
export interface ScryptParams { /** log2 of the cost N */ ln: number; r: number; p: number }

/** N = 2^15, r = 8, p = 1: 32 MiB and some tens of milliseconds per hash. */
export const PASSWORD_PARAMS: ScryptParams = { ln: 15, r: 8, p: 1 };
export const MIN_PASSWORD_LENGTH = 10;
/** scrypt reads the whole password; a cap keeps a megabyte "password" from being a cheap attack. */
export const MAX_PASSWORD_LENGTH = 256;

const SALT_BYTES = 32;
const KEY_BYTES = 32;

const derive = (password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> => {
  const N = 2 ** params.ln;
  // scrypt needs 128 * N * r * p bytes; the default maxmem (32 MiB) is exactly that at
  // N = 2^15, r = 8, which Node refuses, so allow twice as much.
  const opts: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 2 * 128 * N * params.r * params.p };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFKC'), salt, KEY_BYTES, opts, (err, key) => (err ? reject(err) : resolve(key))));
};

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

export async function hashPassword(password: string, params: ScryptParams = PASSWORD_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

interface Parsed { params: ScryptParams; salt: Buffer; key: Buffer }

function parse(stored: string): Parsed | null {
  const m = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(stored);
  if (!m) return null;
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  // Bounds keep a corrupted row from asking for gigabytes.
  if (params.ln < 1 || params.ln > 22 || params.r < 1 || params.p < 1 || params.p > 16) return null;
  return { params, salt: Buffer.from(m[4], 'base64'), key: Buffer.from(m[5], 'base64') };
}

/** True when the password matches the stored hash; the comparison takes the same time wherever they differ. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parse(stored);
  if (!h || h.key.length === 0) return false;
  const key = await derive(password, h.salt, h.params);
  return key.length === h.key.length && timingSafeEqual(key, h.key);
}

/** A stored hash made with weaker parameters than today's, to be replaced at the next sign-in. */
export function needsRehash(stored: string, params: ScryptParams = PASSWORD_PARAMS): boolean {
  const h = parse(stored);
  return !h || h.params.ln < params.ln || h.params.r < params.r || h.params.p < params.p;
}

/** The parameters a stored hash was made with (null when it is not one of ours). */
export const hashParams = (stored: string): ScryptParams | null => parse(stored)?.params ?? null;
