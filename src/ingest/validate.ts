import { randomUUID } from 'node:crypto';
import type { EventType, JsonObject, OmnisEvent } from '../shared/index.ts';
import { LIMITS } from './limits.ts';

export const EVENT_TYPES: readonly EventType[] = ['identify', 'track', 'page', 'screen', 'group', 'alias'];
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const CHANNEL_RE = /^[a-z][a-z0-9_]{0,31}$/;
/** Segment's own channel words, mapped to Omnis channels. */
const CHANNEL_ALIASES: Record<string, string> = { browser: 'web', mobile: 'app', client: 'web' };

export class EventError extends Error {
  constructor(readonly field: string, message: string) { super(`${field}: ${message}`); }
}

export interface ValidateContext {
  receivedAt: number;
  /** The batch's sentAt, used when an item has none. */
  sentAt?: unknown;
  /** Channel of the write key's source (web, app, pos...), used when the event names none. */
  defaultChannel: string | null;
  sourceId: string | null;
}

const isObj = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Walks a value once: depth, forbidden keys, string sizes. Throws naming the path. */
function checkTree(v: unknown, path: string, depth: number): void {
  if (depth > LIMITS.depth) throw new EventError(path, `nested deeper than ${LIMITS.depth} levels`);
  if (typeof v === 'string') { if (v.length > LIMITS.stringChars) throw new EventError(path, `string longer than ${LIMITS.stringChars} characters`); return; }
  if (typeof v === 'number') { if (!Number.isFinite(v)) throw new EventError(path, 'not a finite number'); return; }
  if (v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) { for (let i = 0; i < v.length; i++) checkTree(v[i], `${path}.${i}`, depth + 1); return; }
  for (const k of Object.keys(v)) {
    if (FORBIDDEN_KEYS.has(k)) throw new EventError(`${path}.${k}`, 'forbidden key');
    checkTree((v as Record<string, unknown>)[k], `${path}.${k}`, depth + 1);
  }
}

function id(v: unknown, field: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') throw new EventError(field, `expected a string, got ${Array.isArray(v) ? 'array' : typeof v}`);
  const s = v.trim();
  if (s.length > 256) throw new EventError(field, 'longer than 256 characters');
  return s || null;
}

function time(v: unknown, field: string): number | null {
  if (v === undefined || v === null || v === '') return null;
  const t = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw new EventError(field, `expected an ISO-8601 date, got ${JSON.stringify(v).slice(0, 40)}`);
  return t;
}

function obj(v: unknown, field: string): JsonObject {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw new EventError(field, `expected an object, got ${Array.isArray(v) ? 'array' : typeof v}`);
  return v;
}

function libraryChannel(context: JsonObject): string | null {
  const lib = isObj(context.library) && typeof context.library.name === 'string' ? context.library.name.toLowerCase() : '';
  if (!lib) return null;
  if (/analytics\.js|analytics-next|analytics-browser|rudder-sdk-js|web/.test(lib)) return 'web';
  if (/ios|android|react-native|flutter|swift|kotlin|mobile/.test(lib)) return 'app';
  return 'server';
}

function channelOf(raw: JsonObject, context: JsonObject, ctx: ValidateContext): string {
  const given = context.channel ?? raw.channel;
  if (given !== undefined && given !== null) {
    if (typeof given !== 'string') throw new EventError('context.channel', 'expected a string');
    const c = given.trim().toLowerCase().replace(/[\s-]+/g, '_');
    const mapped = CHANNEL_ALIASES[c] ?? c;
    if (!CHANNEL_RE.test(mapped)) throw new EventError('context.channel', `expected a channel name like "web", "pos" or "email", got ${JSON.stringify(given).slice(0, 40)}`);
    return mapped;
  }
  return ctx.defaultChannel ?? libraryChannel(context) ?? 'server';
}

/**
 * Validates one Segment-shaped event and turns it into an OmnisEvent: ids checked,
 * messageId assigned when missing, timestamp corrected for the client's clock
 * (timestamp = receivedAt − (sentAt − originalTimestamp), as Segment does), channel chosen.
 * Throws EventError naming the field; nothing is stored for an event that throws.
 */
export function validateEvent(raw: unknown, pathType: EventType | null, ctx: ValidateContext): OmnisEvent {
  if (!isObj(raw)) throw new EventError('event', 'expected an object');
  const bytes = Buffer.byteLength(JSON.stringify(raw));
  if (bytes > LIMITS.eventBytes) throw new EventError('event', `is ${bytes} bytes; the limit is ${LIMITS.eventBytes}`);
  for (const k of Object.keys(raw)) {
    if (FORBIDDEN_KEYS.has(k)) throw new EventError(k, 'forbidden key');
    checkTree(raw[k], k, 1);
  }

  const type = (pathType ?? raw.type) as EventType;
  if (!EVENT_TYPES.includes(type)) throw new EventError('type', `expected one of ${EVENT_TYPES.join(', ')}, got ${JSON.stringify(raw.type ?? null)}`);
  const userId = id(raw.userId, 'userId');
  const anonymousId = id(raw.anonymousId, 'anonymousId');
  if (!userId && !anonymousId) throw new EventError('userId', 'every event needs a userId or an anonymousId');

  let event: string | null = null;
  if (type === 'track') {
    if (typeof raw.event !== 'string' || !raw.event.trim()) throw new EventError('event', 'track calls need an event name');
    if (raw.event.length > 200) throw new EventError('event', 'longer than 200 characters');
    event = raw.event.trim();
  } else if (type === 'page' || type === 'screen') {
    if (raw.name !== undefined && raw.name !== null && typeof raw.name !== 'string') throw new EventError('name', 'expected a string');
    event = typeof raw.name === 'string' && raw.name.trim() ? raw.name.trim().slice(0, 200) : null;
  }
  const previousId = type === 'alias' ? id(raw.previousId, 'previousId') : null;
  if (type === 'alias' && !previousId) throw new EventError('previousId', 'alias calls need a previousId');
  if (type === 'alias' && !userId) throw new EventError('userId', 'alias calls need a userId');
  const groupId = type === 'group' ? id(raw.groupId, 'groupId') : null;
  if (type === 'group' && !groupId) throw new EventError('groupId', 'group calls need a groupId');

  const properties = obj(raw.properties, 'properties');
  const traits = obj(raw.traits, 'traits');
  const context = obj(raw.context, 'context');
  if (Object.keys(properties).length > LIMITS.properties) throw new EventError('properties', `more than ${LIMITS.properties} properties`);
  if (Object.keys(traits).length > LIMITS.properties) throw new EventError('traits', `more than ${LIMITS.properties} traits`);
  if (context.traits !== undefined) obj(context.traits, 'context.traits');
  if (context.externalIds !== undefined) {
    if (!Array.isArray(context.externalIds)) throw new EventError('context.externalIds', 'expected an array of {id, type}');
    context.externalIds.forEach((x, i) => {
      if (!isObj(x) || (typeof x.id !== 'string' && typeof x.id !== 'number') || typeof x.type !== 'string') throw new EventError(`context.externalIds.${i}`, 'expected {id, type, collection, encoding}');
    });
  }

  let messageId: string;
  if (raw.messageId === undefined || raw.messageId === null || raw.messageId === '') messageId = `omnis-${randomUUID()}`;
  else if (typeof raw.messageId !== 'string') throw new EventError('messageId', 'expected a string');
  else if (raw.messageId.length > LIMITS.messageIdChars) throw new EventError('messageId', `longer than ${LIMITS.messageIdChars} characters`);
  else messageId = raw.messageId;

  const original = time(raw.timestamp, 'timestamp') ?? time(raw.originalTimestamp, 'originalTimestamp');
  const sentAt = time(raw.sentAt, 'sentAt') ?? time(ctx.sentAt, 'sentAt');
  const timestamp = original === null ? ctx.receivedAt : sentAt === null ? original : ctx.receivedAt - (sentAt - original);

  return {
    messageId, type, event, userId, anonymousId, previousId, groupId,
    channel: channelOf(raw, context, ctx), timestamp, receivedAt: ctx.receivedAt,
    properties, traits: type === 'group' ? { ...traits } : traits, context, sourceId: ctx.sourceId,
  };
}
