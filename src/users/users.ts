import type { Queryable } from '../store/index.ts';
import { ms, msOrNull } from '../store/index.ts';
import { invalid } from '../shared/index.ts';
import { isRole, ROLES, type Role } from './permissions.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './passwords.ts';

/** A console user as everything outside this module sees it: never with its password hash. */
export interface User {
  id: string; workspaceId: string; email: string; name: string | null; role: Role;
  disabled: boolean; createdAt: number; updatedAt: number;
}

export interface UserRow {
  id: string; workspace_id: string; email: string; name: string | null; role: Role; password_hash: string;
  disabled_at: Date | null; created_at: Date; updated_at: Date;
}

export const toUser = (r: UserRow): User => ({
  id: r.id, workspaceId: r.workspace_id, email: r.email, name: r.name, role: r.role,
  disabled: msOrNull(r.disabled_at) != null, createdAt: ms(r.created_at), updatedAt: ms(r.updated_at),
});

/** Emails are compared trimmed and lower-cased: "Ana@Shop.com " signs in as ana@shop.com. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

// Deliberately loose: "admin@localhost" is a fine address for a console user.
const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function checkEmail(email: unknown): string {
  if (typeof email !== 'string') throw invalid('email', 'expected an email address');
  const e = normalizeEmail(email);
  if (!EMAIL.test(e) || e.length > 254) throw invalid('email', `"${email}" is not an email address`);
  return e;
}

export function checkPassword(password: unknown): string {
  if (typeof password !== 'string') throw invalid('password', 'expected a string');
  if (password.length < MIN_PASSWORD_LENGTH) throw invalid('password', `a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH) throw invalid('password', `a password has at most ${MAX_PASSWORD_LENGTH} characters`);
  return password;
}

export function checkRole(role: unknown): Role {
  if (!isRole(role)) throw invalid('role', `expected one of ${ROLES.join(', ')}`);
  return role;
}

export function checkName(name: unknown): string | null {
  if (name == null) return null;
  if (typeof name !== 'string' || name.length > 200) throw invalid('name', 'expected a name of at most 200 characters');
  return name.trim() || null;
}

export async function userByEmail(q: Queryable, email: string): Promise<UserRow | null> {
  return (await q.query<UserRow>('select * from users where email = $1', [normalizeEmail(email)]))[0] ?? null;
}

export async function userById(q: Queryable, workspaceId: string, id: string): Promise<UserRow | null> {
  return (await q.query<UserRow>('select * from users where workspace_id = $1 and id = $2', [workspaceId, id]))[0] ?? null;
}

export async function listUsers(q: Queryable, workspaceId: string): Promise<User[]> {
  return (await q.query<UserRow>('select * from users where workspace_id = $1 order by created_at, id', [workspaceId])).map(toUser);
}

export async function countUsers(q: Queryable, workspaceId: string): Promise<number> {
  return Number((await q.query<{ n: number }>('select count(*)::int as n from users where workspace_id = $1', [workspaceId]))[0].n);
}

export const isUniqueViolation = (e: unknown) => (e as { code?: unknown })?.code === '23505';
