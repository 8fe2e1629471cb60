import { createHash, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../store/index.ts';
import { ms, msOrNull } from '../store/index.ts';
import { newId, randomToken, notFound, invalid, type Clock } from '../shared/index.ts';

/**
 * Write keys are public (they ship in web pages and apps) and only ingest; each stands for
 * one source (web, app, pos, server...) whose channel is the default for its events.
 * Admin keys are secret and open the management API. Only a hash of either is stored.
 */
export type KeyKind = 'write' | 'admin';

export interface ApiKey {
  id: string; workspaceId: string; kind: KeyKind; name: string; source: string | null; channel: string | null;
  prefix: string; rateLimit: number | null; createdAt: number; revokedAt: number | null;
}

interface KeyRow {
  id: string; workspace_id: string; kind: KeyKind; name: string; source: string | null; channel: string | null;
  key_hash: string; prefix: string; rate_limit: number | null; created_at: Date; revoked_at: Date | null;
}

const toKey = (r: KeyRow): ApiKey => ({
  id: r.id, workspaceId: r.workspace_id, kind: r.kind, name: r.name, source: r.source, channel: r.channel,
  prefix: r.prefix, rateLimit: r.rate_limit, createdAt: ms(r.created_at), revokedAt: msOrNull(r.revoked_at),
});

export const hashKey = (secret: string) => createHash('sha256').update(secret).digest('hex');
export const KEY_FORMAT = /^(wk|ak)_[A-Za-z0-9]{16,64}$/;

export interface CreateKeyInput {
  workspaceId: string; kind: KeyKind; name?: string; source?: string | null; channel?: string | null;
  rateLimit?: number | null;
  /** Use this secret instead of generating one (OMNIS_WRITE_KEY / OMNIS_ADMIN_KEY). */
  secret?: string;
}

export async function createKey(db: Queryable, input: CreateKeyInput): Promise<{ key: ApiKey; secret: string }> {
  const prefix = input.kind === 'write' ? 'wk' : 'ak';
  const secret = input.secret ?? `${prefix}_${randomToken(input.kind === 'write' ? 24 : 40)}`;
  if (secret.length < 16 || secret.length > 200) throw invalid('key', 'a key must be 16 to 200 characters');
  if (input.channel != null && !/^[a-z][a-z0-9_]{0,31}$/.test(input.channel)) throw invalid('channel', 'expected a channel name like "web" or "pos"');
  if (input.rateLimit != null && (!Number.isInteger(input.rateLimit) || input.rateLimit < 1)) throw invalid('rateLimit', 'expected a positive integer (events per second)');
  const rows = await db.query<KeyRow>(
    `insert into api_keys (id, workspace_id, kind, name, source, channel, key_hash, prefix, rate_limit)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning *`,
    [newId('key'), input.workspaceId, input.kind, input.name ?? `${input.kind} key`, input.source ?? null, input.channel ?? null,
      hashKey(secret), secret.slice(0, 7), input.rateLimit ?? null]);
  return { key: toKey(rows[0]), secret };
}

/** Makes sure a known secret is a live key of this workspace (keys given by environment). */
export async function ensureKey(db: Queryable, input: CreateKeyInput & { secret: string }): Promise<ApiKey> {
  const rows = await db.query<KeyRow>('select * from api_keys where key_hash = $1', [hashKey(input.secret)]);
  if (rows[0]) {
    if (rows[0].revoked_at || rows[0].workspace_id !== input.workspaceId || rows[0].kind !== input.kind) {
      const r = await db.query<KeyRow>('update api_keys set revoked_at = null, workspace_id = $2, kind = $3 where id = $1 returning *', [rows[0].id, input.workspaceId, input.kind]);
      return toKey(r[0]);
    }
    return toKey(rows[0]);
  }
  return (await createKey(db, input)).key;
}

export async function listKeys(db: Queryable, workspaceId: string): Promise<ApiKey[]> {
  return (await db.query<KeyRow>('select * from api_keys where workspace_id = $1 order by created_at, id', [workspaceId])).map(toKey);
}

export async function revokeKey(db: Queryable, workspaceId: string, id: string, now: number): Promise<ApiKey> {
  const rows = await db.query<KeyRow>(
    'update api_keys set revoked_at = coalesce(revoked_at, to_timestamp($3 / 1000.0)) where id = $1 and workspace_id = $2 returning *', [id, workspaceId, now]);
  if (!rows[0]) throw notFound(`key ${id}`);
  return toKey(rows[0]);
}

interface Cached { key: KeyRow | null; at: number }

/**
 * Authenticates presented secrets. Lookups are cached (the ingest path sees the same few keys
 * thousands of times a second). A revocation made through this cache takes effect at once; one
 * made by another process once a lookup begun `ttlMs` after the last has answered.
 *
 * Past `ttlMs` a known key is still answered from the cache while one lookup refreshes it in
 * the background. Awaiting that lookup held every tracking request behind it: on PGlite the
 * one connection is busy for the length of a pipeline transaction (a quarter of a second under
 * load), so every two seconds a run of requests waited that long. Only a key not seen before,
 * one not refreshed for `staleMs` (the database has not answered for that long), or an unknown
 * secret past the ttl is awaited.
 */
export class KeyCache {
  private cache = new Map<string, Cached>();
  /** One lookup per key at a time: the requests that need it share it. */
  private lookups = new Map<string, Promise<Cached>>();
  /** Bumped by invalidate(): a lookup begun before it must not put back what it read. */
  private generation = 0;

  constructor(private db: Queryable, private clock: Clock, private ttlMs = 2000, private staleMs = 10_000) {}

  async authenticate(secret: string, kind: KeyKind): Promise<ApiKey | null> {
    const h = hashKey(secret);
    let hit = this.cache.get(h);
    const age = hit ? this.clock.now() - hit.at : Infinity;
    // A refusal is not served stale: a key created elsewhere meanwhile is let in by the lookup.
    if (!hit || age > this.staleMs || (!hit.key && age > this.ttlMs)) hit = await this.lookup(h);
    else if (age > this.ttlMs) this.lookup(h).catch(() => { /* the next request past the ttl tries again */ });
    const row = hit.key;
    // Compare the hashes in constant time, so response timing says nothing about the key.
    if (!row || !timingSafeEqual(Buffer.from(row.key_hash, 'hex'), Buffer.from(h, 'hex'))) return null;
    if (row.revoked_at || row.kind !== kind) return null;
    return toKey(row);
  }

  invalidate() {
    this.generation++;
    this.cache.clear();
    this.lookups.clear();
  }

  private lookup(h: string): Promise<Cached> {
    let pending = this.lookups.get(h);
    if (pending) return pending;
    // Dated when it begins: a revocation committed while it runs may not be in what it reads.
    const at = this.clock.now();
    const generation = this.generation;
    pending = this.db.query<KeyRow>('select * from api_keys where key_hash = $1', [h]).then(rows => {
      const entry = { key: rows[0] ?? null, at };
      if (generation === this.generation) {
        if (this.cache.size > 10_000) this.cache.clear();
        this.cache.set(h, entry);
      }
      return entry;
    }).finally(() => { if (this.lookups.get(h) === pending) this.lookups.delete(h); });
    this.lookups.set(h, pending);
    return pending;
  }
}
