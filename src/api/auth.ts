import type { FastifyRequest } from 'fastify';
import { OmnisError } from '../shared/index.ts';
import type { ApiKey, KeyCache } from '../ingest/index.ts';

declare module 'fastify' {
  interface FastifyRequest { adminKey?: ApiKey }
}

/** Management API: `Authorization: Bearer <admin key>`. Write keys are refused here. */
export function adminAuth(keys: KeyCache) {
  return async (req: FastifyRequest) => {
    const h = req.headers.authorization;
    const secret = h?.startsWith('Bearer ') ? h.slice(7).trim() : null;
    if (!secret) throw new OmnisError('unauthorized', 'missing admin key: send Authorization: Bearer <admin key>');
    const key = await keys.authenticate(secret, 'admin');
    if (!key) throw new OmnisError('unauthorized', 'unknown or revoked admin key (write keys only work on the /v1 tracking API)');
    req.adminKey = key;
  };
}

export const workspaceOf = (req: FastifyRequest): string => {
  if (!req.adminKey) throw new OmnisError('unauthorized', 'not authenticated');
  return req.adminKey.workspaceId;
};
