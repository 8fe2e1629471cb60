import { conflict, randomToken } from '../shared/index.ts';
import { checkEmail, checkPassword, countUsers, userByEmail } from './users.ts';
import { verifyPassword } from './passwords.ts';
import type { UserService } from './service.ts';
import type { Db } from '../store/index.ts';

export const FIRST_ADMIN_EMAIL = 'admin@localhost';

/**
 * Makes sure `email` is an enabled admin of the workspace signing in with `password`
 * (OMNIS_ADMIN_EMAIL / OMNIS_ADMIN_PASSWORD). Idempotent: a start with the same values
 * changes nothing and keeps the user's sessions.
 */
export async function ensureAdmin(db: Db, users: UserService, workspaceId: string, email: string, password: string): Promise<'created' | 'updated' | 'unchanged'> {
  const e = checkEmail(email);
  checkPassword(password);
  const row = await userByEmail(db, e);
  if (!row) {
    await users.create(workspaceId, { email: e, role: 'admin', password, name: 'Admin' });
    return 'created';
  }
  if (row.workspace_id !== workspaceId) throw conflict(`${e} is a user of workspace ${row.workspace_id}`, 'email');
  const samePassword = await verifyPassword(password, row.password_hash);
  if (row.role === 'admin' && !row.disabled_at && samePassword) return 'unchanged';
  await users.update(workspaceId, row.id, { role: 'admin', disabled: false, password: samePassword ? undefined : password });
  return 'updated';
}

/**
 * A workspace nobody can sign in to gets one admin with a random password, to be shown
 * once: later starts find a user and return null, so the password is never shown again.
 */
export async function ensureFirstAdmin(db: Db, users: UserService, workspaceId: string): Promise<{ email: string; password: string } | null> {
  if (await countUsers(db, workspaceId) > 0) return null;
  const password = randomToken(20);
  try {
    await users.create(workspaceId, { email: FIRST_ADMIN_EMAIL, role: 'admin', password, name: 'Admin' });
  } catch (e) {
    // Another process starting at the same moment created it first; that one shows the password.
    if ((e as { kind?: string }).kind === 'conflict') return null;
    throw e;
  }
  return { email: FIRST_ADMIN_EMAIL, password };
}
