import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { Identity, OmnisEvent, JsonObject } from '../shared/index.ts';
import type { CompiledRules } from './rules.ts';

export const normalizeEmail = (v: string): string | null => {
  const e = v.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e) ? e : null;
};

/** E.164, or null when the number cannot be read. */
export function normalizePhone(v: string, region: string): string | null {
  const p = parsePhoneNumberFromString(v.trim(), region as CountryCode);
  return p && p.isPossible() ? p.number : null;
}

const TYPE_RE = /^[a-z][a-z0-9_]{0,63}$/;
/** Canonical type names for the spellings SDKs use in context.externalIds. */
const TYPE_ALIASES: Record<string, string> = { userid: 'user_id', user: 'user_id', anonymousid: 'anonymous_id', phone_number: 'phone', mobile: 'phone' };

export function normalizeType(t: string): string | null {
  const s = t.trim().toLowerCase().replace(/[\s-]+/g, '_');
  const c = TYPE_ALIASES[s.replace(/_/g, '')] ?? TYPE_ALIASES[s] ?? s;
  return TYPE_RE.test(c) ? c : null;
}

export function normalizeIdentifier(type: string, raw: unknown, rules: CompiledRules): Identity | null {
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  const value = String(raw).trim();
  if (!value || value.length > 256 || rules.isBlocked(value)) return null;
  const t = normalizeType(type);
  if (!t) return null;
  if (t === 'email') { const e = normalizeEmail(value); return e ? { type: t, value: e } : null; }
  if (t === 'phone') { const p = normalizePhone(value, rules.rules.defaultRegion); return p ? { type: t, value: p } : null; }
  return { type: t, value };
}

const obj = (v: unknown): JsonObject | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined);

/** Every identifier an event carries, normalised, deduplicated, blocked values left out. */
export function extractIdentifiers(e: OmnisEvent, rules: CompiledRules): Identity[] {
  const out: Identity[] = [];
  add(out, normalizeIdentifier('user_id', e.userId, rules));
  add(out, normalizeIdentifier('anonymous_id', e.anonymousId, rules));
  const ctxTraits = obj(e.context.traits);
  for (const t of [e.traits, ctxTraits]) {
    if (!t) continue;
    add(out, normalizeIdentifier('email', t.email, rules));
    add(out, normalizeIdentifier('phone', t.phone, rules));
  }
  const ext = e.context.externalIds;
  if (Array.isArray(ext)) {
    for (const x of ext) {
      const o = obj(x);
      if (o && typeof o.type === 'string') add(out, normalizeIdentifier(o.type, o.id, rules));
    }
  }
  return out;
}

/** Appends id unless absent or already there (an event carries a handful: a scan beats a set, and a closure per event). */
function add(out: Identity[], id: Identity | null): void {
  if (id && !out.some(x => x.type === id.type && x.value === id.value)) out.push(id);
}
