import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../store/index.ts';
import { ms } from '../store/index.ts';
import type { Clock } from '../shared/index.ts';
import { toUser, type User, type UserRow } from './users.ts';

export interface SessionOptions {
  /** A session unused this long ends. Default 12 hours. */
  idleMs?: number;
  /** A session ends this long after sign-in, used or not. Default 7 days. */
  maxMs?: number;
  /** last_seen_at is written at most this often, so reads do not each become a write. Default 1 minute. */
  touchEveryMs?: number;
}

export interface Session { user: User; csrfToken: string; expiresAt: number }

const sha256 = (s: string) => createHash('sha256').update(s).digest();
const tokenHash = (token: string) => sha256(token).toString('hex');
/**
 * The CSRF token is derived from the session token rather than stored: a page on another
 * site cannot read the cookie, so it cannot compute it; a copy of the database (which
 * holds only the token's hash) cannot either.
 */
export const csrfTokenFor = (token: string) => sha256(`omnis-csrf:${token}`).toString('base64url');

// The cookie's token: 32 random bytes, base64url.
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

type SessionRow = UserRow & { token_hash: string; user_id: string; last_seen_at: Date; expires_at: Date };

/** Sign-in sessions: only the SHA-256 of each token is stored. */
export class SessionStore {
  readonly idleMs: number;
  readonly maxMs: number;
  private touchEveryMs: number;
  constructor(private db: Queryable, private clock: Clock, opts: SessionOptions = {}) {
    this.idleMs = opts.idleMs ?? 12 * 3600_000;
    this.maxMs = opts.maxMs ?? 7 * 24 * 3600_000;
    this.touchEveryMs = opts.touchEveryMs ?? 60_000;
  }

  async create(user: User): Promise<{ token: string; session: Session }> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const expiresAt = now + this.maxMs;
    await this.db.query(
      `insert into user_sessions (token_hash, workspace_id, user_id, created_at, last_seen_at, expires_at)
       values ($1, $2, $3, to_timestamp($4 / 1000.0), to_timestamp($4 / 1000.0), to_timestamp($5 / 1000.0))`,
      [tokenHash(token), user.workspaceId, user.id, now, expiresAt]);
    return { token, session: { user, csrfToken: csrfTokenFor(token), expiresAt } };
  }

  /** The live session of a token, or null: unknown, ended, idle too long, past its end, or its user disabled. */
  async resolve(token: string | undefined): Promise<Session | null> {
    if (!token || !TOKEN.test(token)) return null;
    const h = tokenHash(token);
    const rows = await this.db.query<SessionRow>(
      `select u.*, s.token_hash, s.user_id, s.last_seen_at, s.expires_at from user_sessions s join users u on u.id = s.user_id where s.token_hash = $1`, [h]);
    const r = rows[0];
    if (!r) return null;
    const now = this.clock.now();
    const lastSeen = ms(r.last_seen_at);
    const expiresAt = Math.min(ms(r.expires_at), lastSeen + this.idleMs);
    if (now >= expiresAt || r.disabled_at) {
      await this.db.query('delete from user_sessions where token_hash = $1', [h]);
      return null;
    }
    if (now - lastSeen >= this.touchEveryMs) {
      await this.db.query('update user_sessions set last_seen_at = to_timestamp($2 / 1000.0) where token_hash = $1', [h, now]);
    }
    return { user: toUser(r), csrfToken: csrfTokenFor(token), expiresAt: Math.min(ms(r.expires_at), now + this.idleMs) };
  }

  async remove(token: string | undefined): Promise<void> {
    if (token && TOKEN.test(token)) await this.db.query('delete from user_sessions where token_hash = $1', [tokenHash(token)]);
  }

  /** Ends every session of a user (password changed, disabled); `q` is the caller's transaction. */
  async removeAllFor(userId: string, q: Queryable = this.db): Promise<void> {
    await q.query('delete from user_sessions where user_id = $1', [userId]);
  }

  /** Deletes sessions past their end, so the table does not grow with every sign-in ever made. */
  async sweep(): Promise<number> {
    const now = this.clock.now();
    const rows = await this.db.query(
      `delete from user_sessions where expires_at <= to_timestamp($1 / 1000.0) or last_seen_at <= to_timestamp($2 / 1000.0) returning token_hash`, [now, now - this.idleMs]);
    return rows.length;
  }
}
