/**
 * The browser and push-service halves of Web Push, for tests: `newBrowserSubscription` makes a
 * subscription with real keys (as PushManager.subscribe would), and `openPushRequest` checks a
 * request the way a push service and the browser would together: VAPID JWT signature and
 * audience (RFC 8292), then aes128gcm decryption of the body (RFC 8291 / RFC 8188).
 */
import { createECDH, createDecipheriv, createPublicKey, hkdfSync, verify } from 'node:crypto';
import type { RecordedRequest } from './fakeHttp.ts';

export interface BrowserSubscription {
  /** The JSON token the SDK would store. */
  token: string;
  ecdh: ReturnType<typeof createECDH>;
  auth: Buffer;
}

export function newBrowserSubscription(endpoint: string): BrowserSubscription {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = Buffer.from(Array.from({ length: 16 }, (_, i) => (i * 37 + 11) & 0xff));
  const token = JSON.stringify({ endpoint, expirationTime: null, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') } });
  return { token, ecdh, auth };
}

export interface OpenedPush {
  vapid: { aud: string; sub: string; exp: number; k: string };
  payload: string;
}

/** Throws when the VAPID header or the encryption is not valid. */
export function openPushRequest(req: RecordedRequest, sub: BrowserSubscription, origin: string): OpenedPush {
  const auth = String(req.headers.authorization ?? '');
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(auth);
  if (!m) throw new Error(`not a VAPID authorization header: ${auth}`);
  const [, jwt, k] = m;
  const [h, c, sig] = jwt.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg: string };
  if (header.alg !== 'ES256') throw new Error(`VAPID alg ${header.alg}`);
  const raw = Buffer.from(k, 'base64url');
  const jwk = { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33, 65).toString('base64url') };
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const ok = verify('sha256', Buffer.from(`${h}.${c}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'));
  if (!ok) throw new Error('VAPID signature does not verify');
  const claims = JSON.parse(Buffer.from(c, 'base64url').toString()) as { aud: string; sub: string; exp: number };
  if (claims.aud !== origin) throw new Error(`VAPID aud ${claims.aud} is not ${origin}`);
  return { vapid: { ...claims, k }, payload: decryptAes128gcm(req.body, sub) };
}

function decryptAes128gcm(body: Buffer, sub: BrowserSubscription): string {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20];
  const asPublic = body.subarray(21, 21 + idlen);
  const records = body.subarray(21 + idlen);
  if (records.length > rs) throw new Error('test decryptor handles a single record only');
  const uaPublic = sub.ecdh.getPublicKey();
  const ecdhSecret = sub.ecdh.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, sub.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(records.subarray(records.length - 16));
  const plain = Buffer.concat([decipher.update(records.subarray(0, records.length - 16)), decipher.final()]);
  // Last record: data, then the 0x02 delimiter, then zero padding.
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (plain[end] !== 2) throw new Error('bad padding delimiter');
  return plain.subarray(0, end).toString('utf8');
}
