/**
 * Shared by the journey acceptance tests (steps, lifecycle, policy-engine, crash): a
 * brand with capture channels and templates, journeys created and published through the
 * API, and a clock that walks from one due timer or message to the next so every send
 * happens at the exact instant it was due.
 */
import assert from 'node:assert/strict';
import { advanceTo, type TestOmnis } from '../testing/index.ts';
import { seededRandom } from '../analytics/index.ts';

export const MIN = 60_000, H = 60 * MIN, DAY = 24 * H;

export interface Msg {
  id: string; run_id: string | null; journey_id: string | null; journey_version: number | null; step_id: string | null; channel: string;
  template_key: string; status: string; reason: string | null; idempotency_key: string; send_at: Date; sent_at: Date | null; purpose: string;
}

/** Capture on every channel, and one email/sms template per key (email templates show the offer). */
export async function setUpChannels(t: TestOmnis, emailTemplates: string[], smsTemplates: string[] = []) {
  for (const ch of ['email', 'sms', 'messenger', 'direct_mail', 'push']) await t.omnis.messaging.channels.put('default', ch, { provider: 'capture', settings: {} });
  for (const key of emailTemplates) {
    const r = await t.admin('POST', '/api/v1/templates', { key, channel: 'email', subject: `${key} for {{ profile.traits.firstName | default: "you" }}`, html: '<p>{{ offer.amount | default: 0 }} off</p>' });
    assert.equal(r.status, 201, JSON.stringify(r.json));
  }
  for (const key of smsTemplates) {
    const r = await t.admin('POST', '/api/v1/templates', { key, channel: 'sms', body: `${key}: hello {{ profile.traits.firstName }}` });
    assert.equal(r.status, 201, JSON.stringify(r.json));
  }
}

/** POST /journeys then /publish; returns the journey id. */
export async function publish(t: TestOmnis, def: Record<string, unknown>): Promise<string> {
  const j = await t.admin('POST', '/api/v1/journeys', def);
  assert.equal(j.status, 201, JSON.stringify(j.json));
  const p = await t.admin('POST', `/api/v1/journeys/${j.json.id}/publish`);
  assert.equal(p.status, 200, JSON.stringify(p.json));
  return j.json.id;
}

/** Identify with email (and phone), consent for email and sms, and optionally a time zone. */
export async function person(t: TestOmnis, userId: string, opts: { timezone?: string; traits?: Record<string, unknown> } = {}) {
  const r = await t.track('/v1/identify', {
    userId, traits: { email: `${userId}@example.com`, phone: '+12125550100', firstName: userId, ...opts.traits },
    context: { consent: { categoryPreferences: { email: true, sms: true } }, ...(opts.timezone ? { timezone: opts.timezone } : {}) },
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

export async function track(t: TestOmnis, userId: string, event: string, properties: Record<string, unknown> = {}) {
  const r = await t.track('/v1/track', { userId, event, properties });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.deepEqual(r.json.rejected ?? [], []);
}

export async function profileId(t: TestOmnis, userId: string): Promise<string> {
  const r = await t.admin('GET', `/api/v1/profiles?identifier=user_id:${encodeURIComponent(userId)}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.id;
}

export async function profile(t: TestOmnis, userId: string) {
  return (await t.admin('GET', `/api/v1/profiles/${await profileId(t, userId)}`)).json;
}

export async function messagesOf(t: TestOmnis, userId: string): Promise<Msg[]> {
  return t.omnis.db.query<Msg>('select * from messages where profile_id = $1 order by created_at, id', [await profileId(t, userId)]);
}

export async function runsOf(t: TestOmnis, userId: string, journeyId?: string) {
  return t.omnis.db.query<{ id: string; journey_id: string; version: number; status: string; step: string | null; path: string | null; holdout: boolean; end_reason: string | null; entered_at: Date; ended_at: Date | null; revenue: number }>(
    'select * from journey_runs where profile_id = $1 and ($2::text is null or journey_id = $2) order by entered_at, id', [await profileId(t, userId), journeyId ?? null]);
}

export const iso = (d: Date | number | null) => (d === null ? null : new Date(d).toISOString());

export { advanceTo };

export const advance = (t: TestOmnis, ms: number) => advanceTo(t, t.clock.now() + ms);

/** A seeded generator for the crash tests' random points. */
export const rng = seededRandom;
