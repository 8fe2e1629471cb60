export { UserService, type CreateUserInput, type UpdateUserInput, type UserServiceOptions } from './service.ts';
export type { User } from './users.ts';
export { normalizeEmail } from './users.ts';
export type { Session, SessionOptions } from './sessions.ts';
export { csrfTokenFor } from './sessions.ts';
export { ROLES, RULES, allowedRoles, refusal, isRole, type Role } from './permissions.ts';
export { hashPassword, verifyPassword, needsRehash, hashParams, PASSWORD_PARAMS, MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH, type ScryptParams } from './passwords.ts';
export { ensureAdmin, ensureFirstAdmin, FIRST_ADMIN_EMAIL } from './startup.ts';
