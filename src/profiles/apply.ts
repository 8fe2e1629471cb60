import type { Identity, JsonObject, OmnisEvent, Profile } from '../shared/index.ts';

const obj = (v: unknown): JsonObject | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined);

export function emptyProfile(id: string, workspaceId: string, now: number): Profile {
  return { id, workspaceId, traits: {}, traitTimes: {}, channels: {}, consent: {}, seen: {}, timezone: null, lastLocation: null, createdAt: now, updatedAt: now };
}

/** Consent categories from Segment's consent object, and explicit (un)subscribe events. */
function consentChanges(e: OmnisEvent): { key: string; granted: boolean }[] {
  const out: { key: string; granted: boolean }[] = [];
  const prefs = obj(obj(e.context.consent)?.categoryPreferences);
  if (prefs) for (const [k, v] of Object.entries(prefs)) if (typeof v === 'boolean') out.push({ key: k, granted: v });
  if (e.type === 'track' && (e.event === 'Subscribed' || e.event === 'Unsubscribed')) {
    const ch = typeof e.properties.channel === 'string' ? e.properties.channel : e.channel;
    const topic = typeof e.properties.topic === 'string' ? `.${e.properties.topic}` : '';
    out.push({ key: ch + topic, granted: e.event === 'Subscribed' });
  }
  return out;
}

/** Twilio errors that say the number will never take SMS: invalid, not mobile, unknown handset, landline. */
const SMS_PERMANENT = new Set(['21211', '21614', '30005', '30006']);

/**
 * Delivery feedback (messaging/feedback): a hard bounce or a spam complaint makes the email
 * address unreachable, a permanent carrier error the phone, until a different address arrives.
 * Only the address the message went to (`properties.recipient`, when the provider names it).
 */
function markUnreachable(p: Profile, e: OmnisEvent): boolean {
  const props = e.properties;
  let changed = false;
  const to = typeof props.recipient === 'string' ? props.recipient.trim().toLowerCase() : null;
  const email = p.channels.email;
  if (email && (!to || to === email.address) && ((e.event === 'Email Bounced' && props.bounceType === 'hard') || e.event === 'Email Marked as Spam')) {
    const why = typeof props.reason === 'string' && props.reason ? `: ${props.reason.slice(0, 200)}` : '';
    p.channels.email = { ...email, reachable: false, reason: e.event === 'Email Marked as Spam' ? 'spam complaint' : `hard bounce${why}` };
    changed = true;
  }
  const sms = p.channels.sms;
  if (sms && e.event === 'SMS Failed' && typeof props.errorCode === 'string' && SMS_PERMANENT.has(props.errorCode) && (!to || to === sms.phone)) {
    p.channels.sms = { ...sms, reachable: false, reason: `carrier error ${props.errorCode}` };
    changed = true;
  }
  return changed;
}

function validTimezone(tz: unknown): tz is string {
  if (typeof tz !== 'string' || !tz || tz.length > 64) return false;
  try { new Intl.DateTimeFormat('en', { timeZone: tz }); return true; } catch { return false; }
}

/**
 * Folds one event into a profile in place. Traits follow the event's own time, so an event
 * that arrives late never overwrites a value set by a newer one. Returns whether the profile
 * changed (and then its updatedAt moved): Omnis's own feedback about a send usually changes
 * nothing, and then nothing needs writing.
 */
export function applyEvent(p: Profile, e: OmnisEvent, ids: readonly Identity[], now: number, opts: { seen?: boolean } = {}): boolean {
  const ts = e.timestamp;
  let changed = false;
  if (opts.seen !== false) {
    changed = true;
    const s = p.seen[e.channel];
    p.seen[e.channel] = s ? { first: Math.min(s.first, ts), last: Math.max(s.last, ts) } : { first: ts, last: ts };
  }

  const traitSets = e.type === 'identify' || e.type === 'alias' ? [e.traits, obj(e.context.traits)] : [obj(e.context.traits)];
  for (const traits of traitSets) {
    if (!traits) continue;
    for (const [k, v] of Object.entries(traits)) {
      if ((p.traitTimes[k] ?? -Infinity) > ts) continue;
      // A journey's update step removes a trait by setting it to null; from a source, null is a value.
      if (v === null && e.sourceId === 'internal') delete p.traits[k];
      else p.traits[k] = v;
      p.traitTimes[k] = ts;
      changed = true;
    }
  }

  const email = ids.find(i => i.type === 'email');
  if (email && (p.traitTimes.email ?? -Infinity) <= ts) {
    const cur = p.channels.email;
    // An address marked unreachable (hard bounce) stays so until a different one arrives.
    if (!cur || cur.address !== email.value) { p.channels.email = { address: email.value, reachable: true }; changed = true; }
  }
  const phone = ids.find(i => i.type === 'phone');
  if (phone && (p.traitTimes.phone ?? -Infinity) <= ts) {
    const cur = p.channels.sms;
    if (!cur || cur.phone !== phone.value) { p.channels.sms = { phone: phone.value, reachable: true }; changed = true; }
  }
  // Chat channels address people by the id the platform gave them.
  for (const [type, channel] of [['messenger_psid', 'messenger'], ['whatsapp_id', 'whatsapp'], ['wechat_openid', 'wechat']] as const) {
    const id = ids.find(i => i.type === type);
    const cur = p.channels[channel] as { id?: string; reachable?: boolean } | undefined;
    if (id && (cur?.id !== id.value || cur.reachable !== true)) { p.channels[channel] = { id: id.value, reachable: true }; changed = true; }
  }
  const token = obj(e.context.device)?.token;
  if (typeof token === 'string' && token && token.length <= 4096) {
    const tokens = p.channels.push?.tokens ?? [];
    if (!tokens.includes(token)) { p.channels.push = { tokens: [...tokens, token].slice(-10), reachable: true }; changed = true; }
  }
  if (e.type === 'track' && markUnreachable(p, e)) changed = true;

  for (const c of consentChanges(e)) {
    const cur = p.consent[c.key];
    if (cur && cur.at > ts) continue;
    p.consent[c.key] = { status: c.granted ? 'granted' : 'denied', at: ts, source: e.type === 'track' && e.event ? e.event : 'context.consent' };
    changed = true;
  }

  const tz = e.context.timezone ?? (e.type === 'identify' ? e.traits.timezone : undefined);
  if (validTimezone(tz) && p.timezone !== tz) { p.timezone = tz; changed = true; }

  const loc = obj(e.context.location);
  if (loc && typeof loc.latitude === 'number' && typeof loc.longitude === 'number' && (p.lastLocation?.at ?? -Infinity) <= ts
    && Math.abs(loc.latitude) <= 90 && Math.abs(loc.longitude) <= 180) {
    p.lastLocation = { lat: loc.latitude, lng: loc.longitude, at: ts };
    changed = true;
  }
  if (changed) p.updatedAt = now;
  return changed;
}

/** Folds `other` into `survivor` in place: per trait and consent the newer value wins. */
export function mergeInto(survivor: Profile, other: Profile, now: number): void {
  for (const [k, v] of Object.entries(other.traits)) {
    if ((survivor.traitTimes[k] ?? -Infinity) < (other.traitTimes[k] ?? -Infinity) || !(k in survivor.traits)) {
      survivor.traits[k] = v;
      survivor.traitTimes[k] = other.traitTimes[k] ?? 0;
    }
  }
  for (const [ch, v] of Object.entries(other.channels)) {
    if (ch === 'push') {
      const tokens = [...new Set([...(survivor.channels.push?.tokens ?? []), ...(other.channels.push?.tokens ?? [])])].slice(-10);
      survivor.channels.push = { tokens, reachable: tokens.length > 0 };
    } else if (!(ch in survivor.channels)) survivor.channels[ch] = v;
  }
  for (const [k, c] of Object.entries(other.consent)) {
    if (!survivor.consent[k] || survivor.consent[k].at < c.at) survivor.consent[k] = c;
  }
  for (const [ch, s] of Object.entries(other.seen)) {
    const m = survivor.seen[ch];
    survivor.seen[ch] = m ? { first: Math.min(m.first, s.first), last: Math.max(m.last, s.last) } : s;
  }
  survivor.timezone ??= other.timezone;
  if (other.lastLocation && (!survivor.lastLocation || survivor.lastLocation.at < other.lastLocation.at)) survivor.lastLocation = other.lastLocation;
  survivor.createdAt = Math.min(survivor.createdAt, other.createdAt);
  survivor.updatedAt = now;
}
