/**
 * Normalisation and SHA-256 of personal identifiers, the way ad platforms match them.
 * A hash only matches the platform's own if the normalised string is byte-identical,
 * so each platform's rules are followed exactly and kept apart:
 *
 * | field   | facebook (Custom Audiences)            | google (Customer Match)                         |
 * |---------|----------------------------------------|-------------------------------------------------|
 * | email   | trim, lower-case                       | same, and for gmail.com / googlemail.com the    |
 * |         |                                        | dots of the local part removed                  |
 * | phone   | E.164 digits, no "+" ("4915112345678") | E.164 with "+" ("+4915112345678")               |
 * | names   | lower-case letters only (any script)   | same                                            |
 * | country | ISO-2 lower-case, hashed               | ISO-2 upper-case, sent in clear                 |
 * | zip     | lower-case, no spaces/dashes, US 5     | trimmed, US 5 digits, sent in clear             |
 *
 * Google's published normalisation removes only the dots of Gmail addresses, not a
 * "+tag"; stripping tags would change the hash, so it is not done.
 * "plain" (for platforms without a spec of their own, e.g. CSV exports) is Google's
 * shape without the Gmail rule: the common denominator most platforms document.
 * A value that already is a SHA-256 hex digest is passed through, lower-cased.
 */
import { createHash } from 'node:crypto';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { AudienceMember } from './types.ts';

export type HashPlatform = 'facebook' | 'google' | 'plain';

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

const HASHED = /^[0-9a-f]{64}$/i;

export function normalizeEmail(raw: string, platform: HashPlatform): string | null {
  const email = raw.trim().toLowerCase();
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1 || /\s/.test(email)) return null;
  let local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (platform === 'google' && (domain === 'gmail.com' || domain === 'googlemail.com')) local = local.replace(/\./g, '');
  return `${local}@${domain}`;
}

/**
 * E.164. Numbers with "+" or "00" are international; others are read as national numbers
 * of `defaultCountry` when given, else as digits that already start with the country code
 * (what Recipient.phone promises).
 */
export function normalizePhone(raw: string, platform: HashPlatform, defaultCountry?: string): string | null {
  const trimmed = raw.trim();
  if (!/\d/.test(trimmed)) return null;
  const digits = trimmed.replace(/\D/g, '');
  let input: string;
  let country: CountryCode | undefined;
  if (trimmed.startsWith('+')) input = `+${digits}`;
  else if (digits.startsWith('00')) input = `+${digits.slice(2)}`;
  else if (defaultCountry && /^[a-z]{2}$/i.test(defaultCountry)) { input = digits; country = defaultCountry.toUpperCase() as CountryCode; }
  else input = `+${digits}`;
  const parsed = parsePhoneNumberFromString(input, country);
  if (!parsed || !parsed.isPossible()) return null;
  const e164 = parsed.number;
  return platform === 'facebook' ? e164.slice(1) : e164;
}

/** Lower-case, letters only: "  Zoë-Anne O'Brien " → "zoëanneobrien". */
export function normalizeName(raw: string): string | null {
  const out = raw.normalize('NFC').toLowerCase().replace(/[^\p{L}\p{M}]/gu, '');
  return out || null;
}

export function normalizeCountry(raw: string, platform: HashPlatform): string | null {
  const c = raw.trim();
  if (!/^[a-z]{2}$/i.test(c)) return null;
  return platform === 'facebook' ? c.toLowerCase() : c.toUpperCase();
}

export function normalizeZip(raw: string, platform: HashPlatform, country?: string): string | null {
  let zip = raw.trim();
  if (!zip) return null;
  if (country?.toUpperCase() === 'US') {
    const m = /^(\d{5})(?:[-\s]?\d{4})?$/.exec(zip);
    return m ? m[1] : null;
  }
  zip = platform === 'facebook' ? zip.toLowerCase().replace(/[\s-]/g, '') : zip.toUpperCase().replace(/\s+/g, ' ');
  return zip || null;
}

/** A member's identifiers, normalised and hashed for one platform; missing or invalid ones are left out. */
export interface HashedMember {
  emails: string[];
  phones: string[];
  firstName?: string;
  lastName?: string;
  /** Hashed for facebook, clear for google and plain. */
  country?: string;
  /** Hashed for facebook, clear for google and plain. */
  zip?: string;
  /** Never hashed: platforms match it against what the advertiser sent elsewhere. */
  externalId?: string;
}

export function hashMember(m: AudienceMember, platform: HashPlatform, opts: { defaultCountry?: string } = {}): HashedMember {
  const hashOr = (v: string, norm: (s: string) => string | null) => (HASHED.test(v.trim()) ? v.trim().toLowerCase() : mapNull(norm(v), sha256Hex));
  const unique = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => x !== null))];
  const country = m.country ? normalizeCountry(m.country, platform) : null;
  const phoneCountry = m.country ?? opts.defaultCountry;
  const out: HashedMember = {
    emails: unique((m.email ?? []).map(e => hashOr(e, s => normalizeEmail(s, platform)))),
    phones: unique((m.phone ?? []).map(p => hashOr(p, s => normalizePhone(s, platform, phoneCountry)))),
  };
  const fn = m.firstName ? hashOr(m.firstName, normalizeName) : null;
  const ln = m.lastName ? hashOr(m.lastName, normalizeName) : null;
  const zip = m.zip ? normalizeZip(m.zip, platform, m.country) : null;
  if (fn) out.firstName = fn;
  if (ln) out.lastName = ln;
  if (country) out.country = platform === 'facebook' ? sha256Hex(country) : country;
  if (zip) out.zip = platform === 'facebook' ? sha256Hex(zip) : zip;
  if (m.externalId) out.externalId = m.externalId;
  return out;
}

function mapNull<A, B>(v: A | null, f: (a: A) => B): B | null {
  return v === null ? null : f(v);
}
