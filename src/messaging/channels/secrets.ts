/**
 * Channel secrets at rest: AES-256-GCM under a key derived (HKDF-SHA256) from the server's
 * OMNIS_SECRET_KEY. A fresh random 96-bit IV per write; the workspace and channel are the
 * additional authenticated data, so a ciphertext copied to another workspace's row (or
 * another channel) fails to decrypt instead of handing over someone else's credentials.
 *
 * Stored form: "v1.<iv>.<tag>.<ciphertext>", each base64url. The version leaves room for key
 * rotation later.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { OmnisError } from '../../shared/index.ts';

export interface SecretBox {
  seal(plain: Record<string, unknown>, workspaceId: string, channel: string): string;
  open(sealed: string, workspaceId: string, channel: string): Record<string, unknown>;
}

export function secretBox(secretKey: string): SecretBox {
  if (typeof secretKey !== 'string' || secretKey.length < 16) {
    throw new Error('OMNIS_SECRET_KEY must be at least 16 characters (32 random bytes, base64, recommended)');
  }
  const key = Buffer.from(hkdfSync('sha256', secretKey, 'omnis', 'omnis channel secrets v1', 32));
  const aad = (workspaceId: string, channel: string) => Buffer.from(`${workspaceId}\u0000${channel}`, 'utf8');

  return {
    seal(plain, workspaceId, channel) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad(workspaceId, channel));
      const ct = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]);
      return ['v1', iv, cipher.getAuthTag(), ct].map(p => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
    },
    open(sealed, workspaceId, channel) {
      const [version, iv, tag, ct] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || ct === undefined) throw unreadable(workspaceId, channel);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(aad(workspaceId, channel));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        const plain = Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
        return JSON.parse(plain) as Record<string, unknown>;
      } catch {
        throw unreadable(workspaceId, channel);
      }
    },
  };
}

// Never says more than this: which part failed would help an attacker, not the operator.
const unreadable = (workspaceId: string, channel: string) => new OmnisError('unavailable',
  `the secrets of channel ${channel} in workspace ${workspaceId} cannot be decrypted (was OMNIS_SECRET_KEY changed?); PUT the channel again`);
