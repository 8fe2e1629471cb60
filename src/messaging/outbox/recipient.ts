/**
 * Send-time checks that need only the profile: consent for the channel and an address to
 * reach the person on it. Both are read when the message goes, not when it was enqueued: an
 * unsubscribe or a hard bounce in between stops the send.
 */
import type { Json, JsonObject } from '../../shared/index.ts';
import type { PostalAddress, Recipient } from '../providers/index.ts';
import type { MessagingProfile, Purpose } from './types.ts';

export type Reach = { ok: true; to: Recipient } | { ok: false; reason: string };

const str = (v: Json | undefined): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
const obj = (v: unknown): JsonObject | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined);

/** Marketing needs an explicit grant for the channel; transactional messages (receipts, resets) do not. */
export function consentProblem(profile: MessagingProfile, channel: string, purpose: Purpose): string | null {
  if (purpose === 'transactional') return null;
  const entry = profile.consent[channel];
  if (entry?.status === 'granted') return null;
  return entry?.status === 'denied' ? `no consent: ${channel} denied` : `no consent: ${channel} not granted`;
}

export function reach(profile: MessagingProfile, channel: string): Reach {
  const t = profile.traits;
  const base: Recipient = { name: nameOf(t), identifiers: identifiersOf(profile) };
  const identity = (...types: string[]) => profile.identities?.find(i => types.includes(i.type))?.value;
  const entry = <T>(key: string) => obj(profile.channels[key]) as T | undefined;

  switch (channel) {
    case 'email': {
      const e = profile.channels.email;
      // A hard bounce marks the address unreachable; traits.email is only a fallback when the
      // profile module has not recorded the channel at all.
      if (e && !e.reachable) return { ok: false, reason: `unreachable: email ${e.reason ?? 'marked unreachable'}` };
      const email = e?.address ?? str(t.email);
      return email ? { ok: true, to: { ...base, email } } : { ok: false, reason: 'unreachable: no email address' };
    }
    case 'sms': {
      const s = profile.channels.sms;
      if (s && !s.reachable) return { ok: false, reason: `unreachable: sms ${s.reason ?? 'marked unreachable'}` };
      const phone = s?.phone ?? str(t.phone);
      return phone ? { ok: true, to: { ...base, phone } } : { ok: false, reason: 'unreachable: no phone number' };
    }
    case 'push': {
      const p = profile.channels.push;
      const tokens = p?.reachable === false ? [] : (p?.tokens ?? []);
      return tokens.length ? { ok: true, to: { ...base, pushTokens: tokens } } : { ok: false, reason: 'unreachable: no push token' };
    }
    case 'messenger': {
      const psid = identity('psid', 'messenger_psid') ?? entry<{ psid?: string }>('messenger')?.psid;
      return psid ? { ok: true, to: { ...base, psid } } : { ok: false, reason: 'unreachable: no messenger psid' };
    }
    case 'whatsapp': {
      const w = entry<{ number?: string; reachable?: boolean }>('whatsapp');
      if (w?.reachable === false) return { ok: false, reason: 'unreachable: whatsapp marked unreachable' };
      const number = w?.number ?? identity('whatsapp') ?? profile.channels.sms?.phone ?? str(t.phone);
      return number ? { ok: true, to: { ...base, whatsapp: number.replace(/^\+/, '') } } : { ok: false, reason: 'unreachable: no whatsapp number' };
    }
    case 'direct_mail': {
      const address = addressOf(t.address, base.name);
      return address ? { ok: true, to: { ...base, address } } : { ok: false, reason: 'unreachable: no postal address' };
    }
    case 'webhook':
    case 'in_app':
      // Addressed by the profile itself: the receiving system or the app knows who it is.
      return { ok: true, to: base };
    default:
      return { ok: false, reason: `unreachable: channel ${channel} does not carry messages` };
  }
}

function nameOf(t: JsonObject): string | undefined {
  const full = [str(t.firstName ?? t.first_name), str(t.lastName ?? t.last_name)].filter(Boolean).join(' ');
  return str(t.name) ?? (full || undefined);
}

function identifiersOf(p: MessagingProfile): Recipient['identifiers'] {
  const t = p.traits;
  const email = p.channels.email?.address ?? str(t.email);
  const phone = p.channels.sms?.phone ?? str(t.phone);
  const address = obj(t.address);
  return {
    ...(email ? { email: [email] } : {}),
    ...(phone ? { phone: [phone] } : {}),
    ...(str(t.firstName ?? t.first_name) ? { firstName: str(t.firstName ?? t.first_name) } : {}),
    ...(str(t.lastName ?? t.last_name) ? { lastName: str(t.lastName ?? t.last_name) } : {}),
    ...(str(address?.country) ? { country: str(address?.country) } : {}),
    ...(str(address?.postalCode ?? address?.postal_code) ? { zip: str(address?.postalCode ?? address?.postal_code) } : {}),
  };
}

/** Segment's address trait (street, city, state, postalCode, country) or the Lob-like shape. */
function addressOf(v: Json | undefined, name: string | undefined): PostalAddress | undefined {
  const a = obj(v);
  if (!a) return undefined;
  const line1 = str(a.line1) ?? str(a.street) ?? str(a.address_line1);
  const city = str(a.city);
  const postalCode = str(a.postalCode) ?? str(a.postal_code) ?? str(a.zip);
  const country = str(a.country);
  if (!line1 || !city || !postalCode || !country) return undefined;
  const line2 = str(a.line2) ?? str(a.address_line2);
  const state = str(a.state);
  return { ...(name ? { name } : {}), line1, ...(line2 ? { line2 } : {}), city, ...(state ? { state } : {}), postalCode, country };
}
