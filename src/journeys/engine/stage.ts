import type { Tx } from '../../store/index.ts';
import type { Clock, StoredEvent } from '../../shared/index.ts';
import { groupBy, parseDuration } from '../../shared/index.ts';
import { TIMER_EVENT, batchValue, type StageContext } from '../../bus/index.ts';
import { SEGMENT_ENTERED, type EvalEvent } from '../../segments/index.ts';
import { batchProfiles, loadProfiles, type ProfileBatch } from '../../profiles/index.ts';
import type { JourneyDefinition, UpdateStep } from '../definition/index.ts';
import { JourneyCatalog, matches, type LiveJourney } from './catalog.ts';
import { activeRuns, followMerge, latestRuns, runById, runKey } from './runs.ts';
import { JourneyWrites, BatchOutbox } from './writes.ts';
import { BranchTargets } from './branches.ts';
import { advance, convert, endRun, exitRun, fallback, newRunId, definitionFacts, type StepContext, type ProfileView } from './engine.ts';
import { BatchAudiences } from './audiences.ts';
import { JOURNEY_TIMER, type Outbox, type Run, type TimerPayload } from './types.ts';

const TX_LIVE = 'journeys.live';
const ENGAGEMENT = /(Opened|Clicked|Replied|Received|Read|Tapped)$/;

/**
 * Stage 4: every processed event can end runs (goal, exit), move waiting runs on
 * (wait_event, engagement, their timers) and start runs (entry). Runs are read only for
 * the profiles whose events can matter, so a batch of page views costs one cached lookup.
 */
export function journeyStage(deps: { clock: Clock; catalog: JourneyCatalog; outbox: Outbox; trailCap?: number | null }) {
  return async (tx: Tx, workspaceId: string, events: StoredEvent[], ctx: StageContext): Promise<StoredEvent[]> => {
    if (!events.length) return events;
    // Read once per batch: the rounds of emitted events that follow see the same journeys.
    const live = await batchValue(ctx, TX_LIVE, () => deps.catalog.liveJourneys(tx, workspaceId));
    // Any named event may be a goal, an exit or awaited by some run, so named events are candidates;
    // identify/alias calls never move journeys, except an update step's own, which its run awaits.
    const candidates = events.filter(e => e.profileId && (e.event !== null || updateOf(e)));
    if (!candidates.length) return events;
    const profileIds = [...new Set(candidates.map(e => e.profileId!))];
    const runs = deps.catalog.everPublished(workspaceId) ? await activeRuns(tx, profileIds) : [];
    if (!runs.length && !live.length && !candidates.some(e => e.event === TIMER_EVENT || updateOf(e))) return events;
    // Branches read profiles (traits, reach, time zone) from the database: this batch's changes land first.
    const shared = batchProfiles(ctx);
    await shared?.flush();
    const profileOf = shared ? (id: string): ProfileView | undefined => { const r = shared.get(id); return r && { ...r.profile, channels: r.profile.channels as ProfileView['channels'], computed: r.computed }; } : undefined;
    const writes = new JourneyWrites(deps.trailCap);
    const outbox = new BatchOutbox(deps.outbox, writes);
    const audiences = new BatchAudiences(writes);
    const evs = candidates.map(toEval);
    const entries = evs.map(ev => live.filter(j => entryMatches(j, ev)));
    // Re-entry rules need each entering profile's latest run of the journey: read at once.
    const pairs = new Map<string, { profileId: string; journeyId: string }>();
    candidates.forEach((e, n) => { for (const j of entries[n]) pairs.set(runKey(e.profileId!, j.id), { profileId: e.profileId!, journeyId: j.id }); });
    const latest = await latestRuns(tx, [...pairs.values()]);
    const byProfile = groupBy(runs, r => r.profileId);

    const now = deps.clock.now();
    const { targets, unread } = await lookAhead(tx, candidates, evs, entries, byProfile, latest, deps.catalog, now, shared);
    if (unread.size) shared!.absorb(await loadProfiles(tx, [...unread]), new Set());
    const branchStates = await targets.load(tx, now, shared);
    // Events the steps emit (update steps' identifies) go out together when the stage is done:
    // one insert for a crowd of runs, in the order they were emitted.
    const emitted: Parameters<StageContext['emit']>[1] = [];
    const emit = async (evs: Parameters<StageContext['emit']>[1]) => { emitted.push(...evs); };
    for (const [n, e] of candidates.entries()) {
      const ev = evs[n];
      const c: StepContext = { tx, now, outbox, emit, trigger: ev, writes, audiences, profileOf, branchStates };
      const mine = byProfile.get(e.profileId!) ?? [];
      const updated = updateOf(e);
      if (updated) {
        const run = mine.find(r => r.id === updated) ?? writes.byId(updated) ?? await runById(tx, updated);
        if (run) await followMerge(tx, run, e.profileId!);
        if (resumes(run, e)) {
          const def = await deps.catalog.version(tx, run.journeyId, run.version);
          await advance(run, def, (def.steps[run.step!] as UpdateStep).next, { ...c, trigger: null });
        }
        continue;
      }
      if (e.event === TIMER_EVENT) {
        const p = e.properties as unknown as TimerPayload;
        if (p.kind !== JOURNEY_TIMER) continue;
        await onTimer(tx, p, e.profileId!, mine, c, deps.catalog);
        continue;
      }
      for (const run of mine) {
        if (run.status !== 'active') continue;
        const def = await deps.catalog.version(tx, run.journeyId, run.version);
        await onEvent(run, def, ev, c);
      }
      for (const j of entries[n]) {
        const run = enter(j, e.profileId!, workspaceId, mine, latest, c);
        if (run) { mine.push(run); await advance(run, j.def, j.def.start, c); }
      }
      byProfile.set(e.profileId!, mine);
    }
    await ctx.emit(workspaceId, emitted);
    await outbox.flush(tx, now);
    // Before the runs and timers: an addition's expiry timer is named by the membership's id.
    await audiences.flush(tx);
    await writes.flush(tx);
    return events;
  };
}

/**
 * What the batch will need, known before it moves any run: the runs that may reach a branch
 * on their first move (woken by a timer, moved on by an event or by their update step's
 * identify, entering), whose branches' data is loaded once for them all; and the profiles of
 * runs woken by timers, which the profile stage located without reading (see
 * resolveAndApply), to read at once where their journey has steps that read them.
 */
async function lookAhead(tx: Tx, candidates: StoredEvent[], evs: EvalEvent[], entries: LiveJourney[][], byProfile: Map<string, Run[]>,
  latest: Map<string, Run>, catalog: JourneyCatalog, now: number, shared: ProfileBatch | undefined): Promise<{ targets: BranchTargets; unread: Set<string> }> {
  const targets = new BranchTargets();
  const unread = new Set<string>();
  for (const [n, e] of candidates.entries()) {
    const mine = byProfile.get(e.profileId!) ?? [];
    const updated = updateOf(e);
    if (updated) {
      // The identify an update step emitted: its run goes on from the step's next.
      const run = mine.find(r => r.id === updated);
      if (!resumes(run, e)) continue;
      const def = await catalog.version(tx, run.journeyId, run.version);
      if (definitionFacts(def).branches) targets.add(run.profileId, def, (def.steps[run.step!] as UpdateStep).next);
      continue;
    }
    if (e.event !== TIMER_EVENT) {
      // The moves of the runs the event finds, as they stand before the batch moves them: only
      // in journeys that have a branch, so that most events cost the look ahead nothing.
      for (const run of mine) {
        if (run.status !== 'active') continue;
        const def = await catalog.version(tx, run.journeyId, run.version);
        if (!definitionFacts(def).branches) continue;
        const move = eventMove(run, def, evs[n], now);
        if (move?.kind === 'step') targets.add(run.profileId, def, move.next);
      }
      for (const j of entries[n]) {
        if (definitionFacts(j.def).branches && mayEnter(j, mine, latest.get(runKey(e.profileId!, j.id)) ?? null, now)) targets.add(e.profileId!, j.def, j.def.start);
      }
      continue;
    }
    const p = e.properties as unknown as TimerPayload;
    const run = p.kind === JOURNEY_TIMER ? mine.find(r => r.id === p.runId) : undefined;
    if (run?.status !== 'active') continue;
    const def = await catalog.version(tx, run.journeyId, run.version);
    const move = timerMove(run, def, p);
    if (move?.kind !== 'step' && move?.kind !== 'fallback') continue;
    if (shared && definitionFacts(def).readsProfiles && !shared.get(run.profileId)) unread.add(run.profileId);
    targets.add(run.profileId, def, move.next);
  }
  return { targets, unread };
}

/** Whether `e` is the identify `run`'s update step emitted and waits for: the run goes on from that step. */
function resumes(run: Run | null | undefined, e: StoredEvent): run is Run {
  return run?.status === 'active' && run.waiting?.kind === 'update' && run.waiting.messageId === e.messageId;
}

/** The run whose update step emitted this identify, if it is one. */
function updateOf(e: StoredEvent): string | null {
  return e.type === 'identify' && e.sourceId === 'internal' && e.messageId.startsWith('upd:') && typeof e.context.runId === 'string' ? e.context.runId : null;
}

function entryMatches(j: LiveJourney, e: EvalEvent): boolean {
  const entry = j.def.entry;
  if ('segment' in entry) return e.event === SEGMENT_ENTERED && e.properties.segmentId === entry.segment;
  return matches(entry, e);
}

const toEval = (e: StoredEvent): EvalEvent => ({ event: e.event, type: e.type, channel: e.channel, timestamp: e.timestamp, properties: e.properties, context: e.context });

/** Whether a profile with these active runs, whose latest run of `j` is `last`, may enter `j` now. */
function mayEnter(j: LiveJourney, mine: Run[], last: Run | null, now: number): boolean {
  if (mine.some(r => r.journeyId === j.id && r.status === 'active')) return false;
  const re = j.def.reentry;
  if (last) {
    if (re === 'never') return false;
    if (typeof re === 'object' && last.enteredAt + parseDuration(re.after, 'reentry.after') > now) return false;
  }
  return true;
}

/** A new run of `j` when its re-entry rule lets the profile in (its first step not taken yet). */
function enter(j: LiveJourney, profileId: string, workspaceId: string, mine: Run[], latest: Map<string, Run>, c: StepContext): Run | null {
  if (!mayEnter(j, mine, c.writes.latest(latest.get(runKey(profileId, j.id)) ?? null, profileId, j.id), c.now)) return null;
  const run: Run = {
    id: newRunId(), workspaceId, journeyId: j.id, version: j.version, profileId, status: 'active', step: null, waiting: null, path: null,
    holdout: false, enteredAt: c.now, goalUntil: j.def.goal ? c.now + parseDuration(j.def.goal.within, 'goal.within') : null,
    endedAt: null, endReason: null, convertedAt: null, revenue: 0,
  };
  c.writes.run(run);
  return run;
}

/** What an event does to an active run: reach its goal, make it exit, or move it on from the step it waits at. */
type EventMove = { kind: 'goal'; revenue: number } | { kind: 'exit' } | { kind: 'step'; timerId: string; next: string };

function eventMove(run: Run, def: JourneyDefinition, e: EvalEvent, now: number): EventMove | null {
  if (def.goal && run.goalUntil !== null && now <= run.goalUntil && matches(def.goal, e)) {
    const v = Number(e.properties.revenue ?? e.properties.total ?? 0);
    return { kind: 'goal', revenue: Number.isFinite(v) ? v : 0 };
  }
  if (def.exit?.some(m => matches(m, e))) return { kind: 'exit' };
  const w = run.waiting;
  const step = run.step ? def.steps[run.step] : undefined;
  if (w?.kind === 'events' && step?.type === 'wait_event') {
    const hit = step.events.find(m => matches(m, e));
    if (hit) return { kind: 'step', timerId: w.timerId, next: hit.next };
  }
  if (w?.kind === 'engagement' && step?.type === 'send' && e.event && ENGAGEMENT.test(e.event)) {
    const engaged = e.properties.messageId === w.messageId || (!e.properties.messageId && e.channel === w.channels[w.index]);
    if (engaged) return { kind: 'step', timerId: w.timerId, next: step.next };
  }
  return null;
}

async function onEvent(run: Run, def: JourneyDefinition, e: EvalEvent, c: StepContext): Promise<void> {
  const move = eventMove(run, def, e, c.now);
  if (!move) return;
  if (move.kind === 'goal') return convert(run, move.revenue, c);
  if (move.kind === 'exit') return exitRun(run, `exit event ${e.event}`, c);
  c.writes.cancelTimer(move.timerId);
  return advance(run, def, move.next, c);
}

async function onTimer(tx: Tx, p: TimerPayload, profileId: string, mine: Run[], c: StepContext, catalog: JourneyCatalog): Promise<void> {
  if (p.what === 'audience_expiry') { c.audiences.expire(p.membershipId!, c.now); return; }
  const run = mine.find(r => r.id === p.runId) ?? (p.runId ? c.writes.byId(p.runId) ?? await runById(tx, p.runId) : null);
  if (!run || run.status !== 'active') return;
  await followMerge(tx, run, profileId);
  const def = await catalog.version(tx, run.journeyId, run.version);
  const move = timerMove(run, def, p);
  if (move?.kind === 'goal_window') { if (run.holdout) await endRun(run, 'completed', 'goal window ended', c); return; }
  if (move?.kind === 'fallback') return fallback(run, def, c);
  if (move?.kind === 'step') return advance(run, def, move.next, c);
}

/**
 * What a journey timer does to its active run: ends a holdout's goal window, moves it on (a
 * wait ended, a wait_event timed out), or falls back to a send's next channel (`next`: where
 * the run goes once the last channel had its turn). Null for a timer the run no longer waits
 * for (it moved on): a stale one.
 */
type TimerMove = { kind: 'goal_window' } | { kind: 'step'; next: string } | { kind: 'fallback'; next: string };

function timerMove(run: Run, def: JourneyDefinition, p: TimerPayload): TimerMove | null {
  if (p.what === 'goal_window') return { kind: 'goal_window' };
  const w = run.waiting;
  if (!w || !('timerId' in w) || w.timerId !== p.timerId) return null;
  const step = run.step ? def.steps[run.step] : undefined;
  if (p.what === 'wait' && step?.type === 'wait') return { kind: 'step', next: step.next };
  if (p.what === 'timeout' && step?.type === 'wait_event') return { kind: 'step', next: step.on_timeout };
  if (p.what === 'fallback' && step?.type === 'send') return { kind: 'fallback', next: step.next };
  return null;
}

