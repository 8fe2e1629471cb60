import { openScratchDb } from '../store/index.ts';
import { VirtualClock, invalid } from '../shared/index.ts';
import { DEFAULT_WORKSPACE } from './workspaces.ts';
import { journeyTrails, parseJourney, type JourneyDefinition } from '../journeys/index.ts';
import { createKey } from '../ingest/index.ts';
import type { Omnis } from './omnis.ts';

export interface SimulateInput {
  profile: { traits: Record<string, unknown>; consent?: Record<string, boolean>; timezone?: string };
  events: ({ at: string } & Record<string, unknown>)[];
  definition?: Record<string, unknown>;
  until?: string;
}

export interface TraceEntry { at: string; kind: 'step' | 'message' | 'audience' | 'run'; [key: string]: unknown }

const SEND_CHANNELS = ['email', 'sms', 'push', 'messenger', 'whatsapp', 'in_app', 'direct_mail', 'webhook'];
const DAY = 86_400_000;

/**
 * Runs the real engine over a throwaway profile in a throwaway embedded database on a
 * virtual clock: the workspace's templates, segments and contact policy are copied in,
 * every channel goes to the capture provider, so nothing is sent. Returns the ordered trace.
 */
export async function simulateJourney(omnis: Omnis, workspaceId: string, journeyId: string, input: SimulateInput) {
  const def: JourneyDefinition = input.definition ? parseJourney(input.definition) : (await omnis.journeys.get(workspaceId, journeyId)).draft;
  const events = [...input.events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  if (!events.length) throw invalid('events', 'give at least one event to start the journey');
  const start = Date.parse(events[0].at) - 60_000;
  const clock = new VirtualClock(start);
  const db = await openScratchDb();
  const { createOmnis } = await import('./omnis.ts');
  const sim = await createOmnis({ db, clock, pipeline: 'inline', trailCap: null, logError: () => {} });
  try {
    await sim.start();
    const ws = DEFAULT_WORKSPACE;
    for (const ch of SEND_CHANNELS) await sim.messaging.channels.put(ws, ch, { provider: 'capture', settings: {} });
    await sim.journeys.setPolicy(ws, await omnis.journeys.policy(omnis.db, workspaceId));
    for (const t of await omnis.templates.list(workspaceId)) {
      for (const v of await omnis.templates.variants(workspaceId, t.key)) await sim.templates.put(ws, t.key, v);
    }
    const segs = await omnis.db.query<{ id: string; name: string; condition: unknown; created_at: Date }>('select id, name, condition, created_at from segments where workspace_id = $1 order by created_at', [workspaceId]);
    for (const s of segs) {
      await sim.db.query(`insert into segments (id, workspace_id, name, condition, status, created_at, updated_at) values ($1, $2, $3, $4, 'ready', $5, $5)`,
        [s.id, ws, s.name, JSON.stringify(s.condition), new Date(start).toISOString()]);
    }
    const created = await sim.journeys.create(ws, def);
    await sim.journeys.publish(ws, created.id);
    const { key } = await createKey(sim.db, { workspaceId: ws, kind: 'write', source: 'simulator', rateLimit: 1_000_000 });
    const userId = 'simulated-profile';
    const consent = input.profile.consent ?? Object.fromEntries(SEND_CHANNELS.map(c => [c, true]));
    await sim.ingest.ingest(key, 'identify', { userId, traits: input.profile.traits, timestamp: new Date(start).toISOString(), context: { consent: { categoryPreferences: consent }, timezone: input.profile.timezone } });
    await sim.settle();
    for (const e of events) {
      clock.set(Date.parse(e.at));
      await sim.settle();
      const { at, ...rest } = e;
      await sim.ingest.ingest(key, null, { batch: [{ type: 'track', userId, ...rest, timestamp: at }] });
      await sim.settle();
    }
    const end = input.until ? Date.parse(input.until) : Date.parse(events[events.length - 1].at) + Math.min(60 * DAY, def.goal ? Number(def.goal.within.replace(/\D/g, '')) * DAY : 30 * DAY);
    for (let i = 0; i < 10_000; i++) {
      const [{ next }] = await sim.db.query<{ next: Date | null }>(
        `select least((select min(due_at) from timers), (select min(next_attempt_at) from messages where status = 'queued')) as next`);
      if (!next || next.getTime() > end) break;
      clock.set(Math.max(clock.now(), next.getTime()));
      await sim.settle();
    }
    return { journey: def.name, trace: await trace(sim, created.id), profile: (await sim.db.query<{ traits: unknown; computed: unknown }>('select traits, computed from profiles where merged_into is null limit 1'))[0] ?? null };
  } finally {
    await sim.stop();
    await db.close();
  }
}

async function trace(sim: Omnis, journeyId: string): Promise<TraceEntry[]> {
  const iso = (d: Date) => d.toISOString();
  const [trails, messages, audiences, runs] = await Promise.all([
    journeyTrails(sim.db, journeyId),
    sim.db.query<{ id: string; channel: string; template_key: string; step_id: string; status: string; reason: string | null; send_at: Date; rendered: Record<string, unknown> | null; sent_at: Date | null }>(
      'select id, channel, template_key, step_id, status, reason, send_at, rendered, sent_at from messages where journey_id = $1 order by send_at, created_at', [journeyId]),
    sim.db.query<{ audience: string; platforms: string[]; offer: unknown; added_at: Date; removed_at: Date | null; removed_reason: string | null }>('select * from audience_memberships where journey_id = $1 order by added_at', [journeyId]),
    sim.db.query<{ status: string; end_reason: string | null; ended_at: Date | null; path: string | null; revenue: number }>('select status, end_reason, ended_at, path, revenue from journey_runs where journey_id = $1', [journeyId]),
  ]);
  // Within one instant, entries keep the order things happened in: a message sits right after
  // the step entry that queued it.
  const out: (TraceEntry & { seq: number })[] = [];
  // Steps numbered in the order they were taken: runs in the order they entered, each run's trail in order.
  const taken = trails.flatMap(r => r.steps).map((s, seq) => ({ ...s, seq, time: Date.parse(s.at) }));
  for (const s of taken) out.push({ at: s.at, kind: 'step', step: s.step, action: s.action, detail: s.detail, seq: s.seq });
  for (const m of messages) {
    const at = m.sent_at ?? m.send_at;
    const entered = taken.filter(s => s.step === m.step_id && s.action === 'entered' && s.time <= m.send_at.getTime()).pop();
    const seq = entered && entered.time === at.getTime() ? entered.seq + 0.5 : Infinity;
    out.push({ at: iso(at), kind: 'message', step: m.step_id, channel: m.channel, template: m.template_key, status: m.status, reason: m.reason, rendered: m.rendered, seq });
  }
  for (const a of audiences) {
    out.push({ at: iso(a.added_at), kind: 'audience', action: 'add', audience: a.audience, platforms: a.platforms, offer: a.offer, seq: Infinity });
    if (a.removed_at) out.push({ at: iso(a.removed_at), kind: 'audience', action: 'remove', audience: a.audience, reason: a.removed_reason, seq: Infinity });
  }
  for (const r of runs) if (r.ended_at) out.push({ at: iso(r.ended_at), kind: 'run', status: r.status, reason: r.end_reason, path: r.path, revenue: Number(r.revenue), seq: Infinity });
  return out.sort((a, b) => a.at.localeCompare(b.at) || a.seq - b.seq).map(({ seq: _s, ...e }) => e);
}
