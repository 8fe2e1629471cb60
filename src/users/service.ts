import type { Db, Queryable } from '../store/index.ts';
import { conflict, newId, notFound, OmnisError, type Clock } from '../shared/index.ts';
import { hashPassword, needsRehash, verifyPassword } from './passwords.ts';
import { SessionStore, type Session, type SessionOptions } from './sessions.ts';
import { LoginThrottle, type ThrottleOptions } from './throttle.ts';
import type { Role } from './permissions.ts';
import {
  checkEmail, checkName, checkPassword, checkRole, isUniqueViolation, listUsers, normalizeEmail, toUser, userByEmail, userById,
  type User, type UserRow,
} from './users.ts';

export interface CreateUserInput { email: string; name?: string | null; role: Role; password: string }
export interface UpdateUserInput { name?: string | null; role?: Role; password?: string; disabled?: boolean }
export interface UserServiceOptions { sessions?: SessionOptions; throttle?: ThrottleOptions }

const BAD_LOGIN = 'wrong email or password';
const ts = 'to_timestamp($1 / 1000.0)';

/** Console users: accounts, roles, sign-in and sessions. */
export class UserService {
  readonly sessions: SessionStore;
  private throttle: LoginThrottle;
  // Unknown emails are checked against this, so they take as long to refuse as wrong passwords.
  private decoy: Promise<string> | null = null;

  constructor(private db: Db, private clock: Clock, opts: UserServiceOptions = {}) {
    this.sessions = new SessionStore(db, clock, opts.sessions);
    this.throttle = new LoginThrottle(clock, opts.throttle);
  }

  list(workspaceId: string): Promise<User[]> { return listUsers(this.db, workspaceId); }

  async get(workspaceId: string, id: string): Promise<User> {
    const row = await userById(this.db, workspaceId, id);
    if (!row) throw notFound(`user ${id}`);
    return toUser(row);
  }

  async create(workspaceId: string, input: CreateUserInput): Promise<User> {
    const email = checkEmail(input.email);
    const role = checkRole(input.role);
    const name = checkName(input.name);
    const hash = await hashPassword(checkPassword(input.password));
    if (await userByEmail(this.db, email)) throw conflict(`a user with email ${email} already exists`, 'email');
    const now = this.clock.now();
    try {
      const rows = await this.db.query<UserRow>(
        `insert into users (id, workspace_id, email, name, role, password_hash, created_at, updated_at)
         values ($2, $3, $4, $5, $6, $7, ${ts}, ${ts}) returning *`, [now, newId('user'), workspaceId, email, name, role, hash]);
      return toUser(rows[0]);
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`a user with email ${email} already exists`, 'email');
      throw e;
    }
  }

  /**
   * Changes a user. The last enabled admin of a workspace can be neither demoted nor
   * disabled (409). A new password or disabling ends the user's sessions.
   */
  async update(workspaceId: string, id: string, patch: UpdateUserInput): Promise<User> {
    const role = patch.role === undefined ? undefined : checkRole(patch.role);
    const name = patch.name === undefined ? undefined : checkName(patch.name);
    // Hashing takes tens of milliseconds: done before the transaction, not while holding locks.
    const hash = patch.password === undefined ? undefined : await hashPassword(checkPassword(patch.password));
    return this.db.transaction(async tx => {
      const cur = await this.lockForChange(tx, workspaceId, id);
      const staysAdmin = (role ?? cur.role) === 'admin' && !(patch.disabled ?? cur.disabled_at != null);
      if (!staysAdmin) await this.keepAnAdmin(tx, workspaceId, id, patch.disabled ? 'disabled' : 'role');
      const now = this.clock.now();
      const rows = await tx.query<UserRow>(
        `update users set name = case when $4 then $5 else name end, role = coalesce($6, role), password_hash = coalesce($7, password_hash),
           disabled_at = case when $8::boolean is null then disabled_at when $8 then coalesce(disabled_at, ${ts}) else null end,
           updated_at = ${ts}
         where workspace_id = $2 and id = $3 returning *`,
        [now, workspaceId, id, name !== undefined, name ?? null, role ?? null, hash ?? null, patch.disabled ?? null]);
      if (hash !== undefined || patch.disabled) await this.sessions.removeAllFor(id, tx);
      return toUser(rows[0]);
    });
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    await this.db.transaction(async tx => {
      await this.lockForChange(tx, workspaceId, id);
      await this.keepAnAdmin(tx, workspaceId, id, undefined);
      await tx.query('delete from users where workspace_id = $1 and id = $2', [workspaceId, id]);
    });
  }

  /**
   * Locks the workspace's enabled admins and the user, always in id order, so two admins
   * demoting each other at once cannot both succeed (nor deadlock).
   */
  private async lockForChange(tx: Queryable, workspaceId: string, id: string): Promise<UserRow> {
    const rows = await tx.query<UserRow>(
      `select * from users where workspace_id = $1 and ((role = 'admin' and disabled_at is null) or id = $2) order by id for update`, [workspaceId, id]);
    const cur = rows.find(r => r.id === id);
    if (!cur) throw notFound(`user ${id}`);
    return cur;
  }

  private async keepAnAdmin(tx: Queryable, workspaceId: string, id: string, field: string | undefined) {
    const admins = await tx.query<{ id: string }>(`select id from users where workspace_id = $1 and role = 'admin' and disabled_at is null`, [workspaceId]);
    if (admins.length === 1 && admins[0].id === id) throw conflict('this is the last admin of the workspace; make another user admin first', field);
  }

  /** Signs in: 401 with one message whether the email is unknown or the password wrong; 429 after repeated failures. */
  async login(email: string, password: string): Promise<{ token: string; session: Session }> {
    const key = normalizeEmail(String(email ?? ''));
    this.throttle.check(key);
    const row = key ? await userByEmail(this.db, key) : null;
    const ok = row
      ? await verifyPassword(String(password ?? ''), row.password_hash)
      : (await verifyPassword(String(password ?? ''), await this.decoyHash()), false);
    if (!row || !ok) {
      this.throttle.fail(key);
      throw new OmnisError('unauthorized', BAD_LOGIN);
    }
    if (row.disabled_at) throw new OmnisError('unauthorized', 'this user is disabled; ask an admin of the workspace');
    this.throttle.succeed(key);
    if (needsRehash(row.password_hash)) {
      await this.db.query('update users set password_hash = $2 where id = $1', [row.id, await hashPassword(password)]);
    }
    await this.sessions.sweep();
    return this.sessions.create(toUser(row));
  }

  private decoyHash(): Promise<string> {
    this.decoy ??= hashPassword('not a password anyone has');
    return this.decoy;
  }

  /** The live session for a cookie's token, or null. */
  session(token: string | undefined): Promise<Session | null> { return this.sessions.resolve(token); }

  logout(token: string | undefined): Promise<void> { return this.sessions.remove(token); }
}
