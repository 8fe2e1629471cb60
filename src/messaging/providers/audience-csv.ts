/**
 * An audience's members as a CSV of hashed identifiers, for uploading by hand where there
 * is no API (or no API access yet). RFC 4180, CRLF, header row; members with no usable
 * identifier are left out.
 *
 * - facebook: Meta's customer-list columns `email,phone,fn,ln,zip,country`, every value
 *   normalised and SHA-256 hashed per Meta; one row per email/phone pair, as the API sends.
 * - google: Google Ads' Customer Match columns `Email,Phone,First Name,Last Name,Country,Zip`,
 *   one row per person with the Email and Phone columns repeated as needed (Google allows
 *   several); email, phone and names hashed per Google, Country and Zip in clear as Google asks.
 * - plain: `email_sha256,phone_sha256,first_name_sha256,last_name_sha256,country,zip,external_id`,
 *   one row per email/phone pair, normalised the common way (see hashing.ts); the external
 *   id is not hashed.
 */
import type { AudienceMember } from './types.ts';
import { hashMember, type HashPlatform, type HashedMember } from './hashing.ts';
import { toCsv } from './printcsv.ts';

export interface AudienceCsvOptions {
  platform: HashPlatform;
  /** Country for national phone numbers of members without a country. */
  defaultCountry?: string;
}

export function audienceCsv(members: AudienceMember[], opts: AudienceCsvOptions): string {
  const hashed = members.map(m => hashMember(m, opts.platform, { defaultCountry: opts.defaultCountry }));
  if (opts.platform === 'google') return googleCsv(hashed.filter(h => h.emails.length || h.phones.length || (h.firstName && h.lastName && h.country && h.zip)));
  const header = opts.platform === 'facebook'
    ? ['email', 'phone', 'fn', 'ln', 'zip', 'country']
    : ['email_sha256', 'phone_sha256', 'first_name_sha256', 'last_name_sha256', 'country', 'zip', 'external_id'];
  const rows = hashed.flatMap(h => pairs(h).map(([email, phone]) => opts.platform === 'facebook'
    ? [email, phone, h.firstName ?? '', h.lastName ?? '', h.zip ?? '', h.country ?? '']
    : [email, phone, h.firstName ?? '', h.lastName ?? '', h.country ?? '', h.zip ?? '', h.externalId ?? '']));
  return toCsv([header, ...rows.filter(r => r.some(v => v !== ''))]);
}

/** Email i with phone i: several rows for one person, each a full row. */
function pairs(h: HashedMember): [string, string][] {
  const n = Math.max(h.emails.length, h.phones.length, 1);
  return Array.from({ length: n }, (_, i) => [h.emails[i] ?? '', h.phones[i] ?? '']);
}

function googleCsv(hashed: HashedMember[]): string {
  const emails = Math.max(1, ...hashed.map(h => h.emails.length));
  const phones = Math.max(1, ...hashed.map(h => h.phones.length));
  const header = [...Array<string>(emails).fill('Email'), ...Array<string>(phones).fill('Phone'), 'First Name', 'Last Name', 'Country', 'Zip'];
  const pad = (xs: string[], n: number) => [...xs, ...Array<string>(n - xs.length).fill('')];
  const rows = hashed.map(h => [...pad(h.emails, emails), ...pad(h.phones, phones), h.firstName ?? '', h.lastName ?? '', h.country ?? '', h.zip ?? '']);
  return toCsv([header, ...rows]);
}
