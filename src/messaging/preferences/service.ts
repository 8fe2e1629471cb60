/**
 * One-click unsubscribe (RFC 8058) and the preference center behind a signed link. Nothing
 * here writes consent itself: each change goes into the event log as a pinned "Unsubscribed"
 * or "Subscribed" event with `properties.channel` (and `topic`), which the profile stage turns
 * into consent like any other, so the timeline shows it and journeys can react to it.
 */
import type { Db } from '../../store/index.ts';
import type { Clock, ConsentEntry, JsonObject, Profile } from '../../shared/index.ts';
import { invalid, notFound } from '../../shared/index.ts';
import { findLiveProfile } from '../../profiles/index.ts';
import { pinnedEvent, stableId, type Append } from '../feedback/events.ts';
import { unsubscribeUrl, verifyLink, type LinkClaims } from './token.ts';
import { listTopics, putTopics, type Topic } from './topics.ts';

export interface PreferenceDeps {
  db: Db;
  clock: Clock;
  /** OMNIS_SECRET_KEY: links are signed under a key derived from it. */
  secretKey: string;
  append: Append;
  /** The URL the world reaches this server at (OMNIS_PUBLIC_URL), for links. */
  publicUrl: string;
}

export interface PreferenceOption {
  /** The consent key: a channel ("email") or channel.topic ("email.newsletter"). */
  key: string;
  kind: 'channel' | 'topic';
  label: string;
  description: string | null;
  granted: boolean;
}

export interface PreferenceView {
  channel: string;
  /** The address the link was sent to, partly masked ("a•••@example.com"), or null. */
  address: string | null;
  options: PreferenceOption[];
}

export interface PreferenceForm {
  /** Keys checked (granted). */
  consent: string[];
  /** Keys the page showed; changes are limited to these (and to what the page would show now). */
  shown?: string[];
  unsubscribeAll?: boolean;
}

export const CHANNEL_LABELS: Record<string, string> = {
  email: 'Email', sms: 'Text messages (SMS)', push: 'Push notifications', whatsapp: 'WhatsApp', messenger: 'Messenger',
  in_app: 'Messages in the app and on the website', direct_mail: 'Letters and postcards', ads: 'Personalised ads',
};

export class PreferenceService {
  constructor(private readonly deps: PreferenceDeps) {}

  /** Checks a link: its claims, or a TokenError (malformed, bad signature, expired). */
  verify(token: string): LinkClaims {
    return verifyLink(this.deps.secretKey, token, this.deps.clock.now());
  }

  /** RFC 8058 POST: consent for the link's channel denied. Repeats are deduped. */
  async oneClick(token: string): Promise<{ channel: string }> {
    const claims = this.verify(token);
    const profile = await this.profile(claims);
    // Already denied: nothing to say. A repeat before the first was processed has the same event id.
    if (profile.consent[claims.channel]?.status !== 'denied') await this.emit(claims, profile, [{ key: claims.channel, granted: false }], 'one_click', token);
    return { channel: claims.channel };
  }

  async view(token: string): Promise<PreferenceView> {
    const claims = this.verify(token);
    const profile = await this.profile(claims);
    return this.build(claims, profile, await listTopics(this.deps.db, claims.workspaceId));
  }

  /** Saves the form: one event per key whose state changes. Returns the page as saved. */
  async save(token: string, form: PreferenceForm): Promise<PreferenceView & { changed: number }> {
    const claims = this.verify(token);
    const profile = await this.profile(claims);
    const view = this.build(claims, profile, await listTopics(this.deps.db, claims.workspaceId));
    const checked = new Set(form.unsubscribeAll ? [] : form.consent);
    const shown = form.shown ? new Set(form.shown) : null;
    const changes = view.options
      .filter(o => !shown || shown.has(o.key))
      .filter(o => checked.has(o.key) !== o.granted)
      .map(o => ({ key: o.key, granted: checked.has(o.key) }));
    await this.emit(claims, profile, changes, 'preference_center', token);
    const after = new Map(changes.map(c => [c.key, c.granted]));
    return { ...view, options: view.options.map(o => ({ ...o, granted: after.get(o.key) ?? o.granted })), changed: changes.length };
  }

  /** A signed link to the preference center for a profile and channel, valid LINK_TTL_MS from now. */
  link(workspaceId: string, profileId: string, channel: string): string {
    return unsubscribeUrl(this.deps.publicUrl, this.deps.secretKey, { workspaceId, profileId, channel, createdAt: this.deps.clock.now() });
  }

  listTopics = (workspaceId: string) => listTopics(this.deps.db, workspaceId);
  putTopics = (workspaceId: string, topics: { key: string; label: string; description?: string | null }[]) =>
    this.deps.db.transaction(tx => putTopics(tx, workspaceId, topics));

  private async profile(c: LinkClaims): Promise<Profile> {
    const p = await findLiveProfile(this.deps.db, c.workspaceId, c.profileId);
    if (!p) throw notFound('the person this link was made for');
    return p;
  }

  private build(c: LinkClaims, p: Profile, topics: Topic[]): PreferenceView {
    const granted = (key: string) => p.consent[key]?.status === 'granted';
    const channels = new Set<string>([c.channel]);
    for (const key of Object.keys(p.consent)) if (CHANNEL_LABELS[key]) channels.add(key);
    for (const key of ['email', 'sms', 'push'] as const) if (p.channels[key]) channels.add(key);
    const options: PreferenceOption[] = [...channels].sort(byLabelOrder).map(key => ({
      key, kind: 'channel', label: CHANNEL_LABELS[key] ?? key, description: null, granted: granted(key),
    }));
    const known = new Map(topics.map(t => [t.key, t]));
    // Topics the person has a say on already (from any source) are shown even when not configured.
    for (const key of Object.keys(p.consent)) {
      const dot = key.indexOf('.');
      if (dot > 0 && CHANNEL_LABELS[key.slice(0, dot)] && !known.has(key)) known.set(key, { key, label: key.slice(dot + 1), description: null });
    }
    for (const t of known.values()) options.push({ key: t.key, kind: 'topic', label: t.label, description: t.description, granted: granted(t.key) });
    return { channel: c.channel, address: maskedAddress(p, c.channel), options };
  }

  private async emit(c: LinkClaims, p: Profile, changes: { key: string; granted: boolean }[], source: string, token: string) {
    if (!changes.length) return;
    const now = this.deps.clock.now();
    const events = changes.map(ch => {
      const dot = ch.key.indexOf('.');
      const channel = dot > 0 ? ch.key.slice(0, dot) : ch.key;
      if (!/^[a-z][a-z0-9_]{0,31}$/.test(channel)) throw invalid('consent', `"${ch.key}" is not a channel or channel.topic`);
      const properties: JsonObject = { channel, source, ...(dot > 0 ? { topic: ch.key.slice(dot + 1) } : {}) };
      const current: ConsentEntry | undefined = p.consent[ch.key];
      return pinnedEvent({
        // Deduped against the consent it changes: the same click twice is one event, a click
        // after the person changed their mind again is a new one.
        messageId: stableId('pref', c.workspaceId, token, ch.key, ch.granted ? 'granted' : 'denied', current?.at ?? 0, current?.status ?? ''),
        profileId: p.id, event: ch.granted ? 'Subscribed' : 'Unsubscribed', channel, timestamp: now, now, properties,
      });
    });
    await this.deps.append(c.workspaceId, events);
  }
}

const ORDER = Object.keys(CHANNEL_LABELS);
const byLabelOrder = (a: string, b: string) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b);

function maskedAddress(p: Profile, channel: string): string | null {
  if (channel === 'email') {
    const a = p.channels.email?.address ?? (typeof p.traits.email === 'string' ? p.traits.email : null);
    const at = a ? a.lastIndexOf('@') : -1;
    return a && at > 0 ? `${a[0]}•••${a.slice(at)}` : null;
  }
  if (channel === 'sms') {
    const phone = p.channels.sms?.phone ?? (typeof p.traits.phone === 'string' ? p.traits.phone : null);
    return phone && phone.length > 4 ? `•••${phone.slice(-4)}` : null;
  }
  return null;
}
