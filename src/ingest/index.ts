export { IngestService, decodeBody, writeKeyFrom, type IngestResult, type IngestDeps } from './service.ts';
export { validateEvent, EventError, EVENT_TYPES } from './validate.ts';
export { LIMITS } from './limits.ts';
export { createKey, ensureKey, listKeys, revokeKey, KeyCache, hashKey, type ApiKey, type KeyKind, type CreateKeyInput } from './keys.ts';
