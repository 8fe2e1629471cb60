import type { Tx } from '../../store/index.ts';
import { newId, parseDuration, type Json, type JsonObject } from '../../shared/index.ts';
import { compile, fnv1a, type EvalEvent } from '../../segments/index.ts';
import type { BranchStep, JourneyDefinition, SendStep, Step } from '../definition/index.ts';
import { nextLocalTime } from '../definition/index.ts';
import type { JourneyWrites } from './writes.ts';
import type { BatchAudiences } from './audiences.ts';
import { branchState, type BranchStates } from './branches.ts';
import { type Emit, type StepOutbox, type Run, type TimerPayload } from './types.ts';

export interface StepContext {
  tx: Tx; now: number; outbox: StepOutbox; emit: Emit;
  /** The event that moved the run, rendered into messages as `event`. */
  trigger: EvalEvent | null;
  /** Runs (with the steps they took) and timers, written when the stage is done with the batch. */
  writes: JourneyWrites;
  /** Audience changes, likewise. */
  audiences: BatchAudiences;
  /** The batch's own profiles, when the profile stage shared them (read instead of the database). */
  profileOf?: (id: string) => ProfileView | undefined;
  /** What branches read, loaded for the batch at once (see BranchStates); a profile not in it is read on its own. */
  branchStates?: BranchStates;
}

/** What the journey stage needs to know of a version before it moves runs (see lookAhead in stage.ts). */
export interface DefinitionFacts {
  /** Some step reads the run's profile through profileOf (a send's channels, a wait until a local time). */
  readsProfiles: boolean;
  /** Some step is a branch. */
  branches: boolean;
}

const facts = new WeakMap<JourneyDefinition, DefinitionFacts>();

/** The facts of a published version, worked out once per version (versions never change). */
export function definitionFacts(def: JourneyDefinition): DefinitionFacts {
  let f = facts.get(def);
  if (!f) {
    const steps = Object.values(def.steps);
    f = {
      readsProfiles: steps.some(s => s.type === 'send' || (s.type === 'wait' && 'until' in s && !('at' in s.until))),
      branches: steps.some(s => s.type === 'branch'),
    };
    facts.set(def, f);
  }
  return f;
}


/** What steps read of a profile. */
export interface ProfileView { channels: Record<string, { reachable?: boolean }>; consent: Record<string, { status: string }>; computed: Record<string, unknown>; traits: JsonObject; timezone: string | null }

const MAX_STEPS_PER_TURN = 100;

/**
 * Runs a journey's steps for one run from `stepId` until it has to wait (a timer, events,
 * engagement) or ends. Every side effect (timer, outbox message, audience row, emitted
 * event) is written in the pipeline's transaction with a key derived from the run and the
 * step, so re-running a batch after a crash repeats nothing.
 */
export async function advance(run: Run, def: JourneyDefinition, stepId: string | null, c: StepContext): Promise<void> {
  const journeyId = run.journeyId;
  for (let n = 0; stepId && n < MAX_STEPS_PER_TURN; n++) {
    if (run.step && run.step !== stepId) c.writes.step(run, run.step, 'left', c.now);
    const step: Step = def.steps[stepId];
    run.step = stepId;
    run.waiting = null;
    c.writes.step(run, stepId, 'entered', c.now);
    const timerId = `j:${run.id}:${stepId}:${c.now}`;
    const wait = (dueAt: number, what: TimerPayload['what']) => c.writes.timer(run, timerId, dueAt, what);
    switch (step.type) {
      case 'wait': {
        let due: number;
        if ('for' in step) due = c.now + parseDuration(step.for, `steps.${stepId}.for`);
        else if ('at' in step.until) due = Math.max(c.now, Date.parse(step.until.at));
        else due = nextLocalTime(c.now + 1, await timezoneOf(c, run.profileId), step.until);
        wait(due, 'wait');
        run.waiting = { kind: 'timer', timerId };
        return c.writes.run(run);
      }
      case 'wait_event':
        wait(c.now + parseDuration(step.timeout, `steps.${stepId}.timeout`), 'timeout');
        run.waiting = { kind: 'events', timerId };
        return c.writes.run(run);
      case 'send': {
        const channels = await channelsFor(c, run.profileId, step);
        const messageId = await send(run, def, stepId, step, channels[0], 0, c);
        if (step.fallback_after && channels.length > 1) {
          wait(c.now + parseDuration(step.fallback_after, `steps.${stepId}.fallback_after`), 'fallback');
          run.waiting = { kind: 'engagement', timerId, messageId, channels, index: 0 };
          return c.writes.run(run);
        }
        stepId = step.next;
        break;
      }
      case 'audience': {
        if (step.action === 'add') c.audiences.add(run, stepId, step, c.now);
        else c.audiences.remove(run, c.now, 'journey step', step.audience);
        stepId = step.next;
        break;
      }
      case 'branch': {
        const hit = await firstMatchingCase(c, run, step);
        stepId = hit === -1 ? step.else : step.cases[hit].next;
        break;
      }
      case 'split': {
        // A stable draw per run: replaying the batch takes the same path.
        const bucket = (fnv1a(`${run.id}:${stepId}`) % 10_000) / 100;
        let acc = 0;
        const i = Math.max(0, step.paths.findIndex(p => (acc += p.percent) > bucket));
        const path = step.paths[i] ?? step.paths[step.paths.length - 1];
        run.path = `${stepId}:${i}`;
        if (path.holdout) {
          run.holdout = true;
          c.writes.step(run, stepId, 'left', c.now, 'holdout');
          if (!def.goal || run.goalUntil === null) return endRun(run, 'completed', 'holdout without a goal', c);
          // The holdout only waits to see whether it converts anyway, until the goal window closes.
          wait(run.goalUntil, 'goal_window');
          run.waiting = { kind: 'holdout' };
          return c.writes.run(run);
        }
        stepId = path.next;
        break;
      }
      case 'update': {
        // The traits are applied by the profile stage when this identify comes through the
        // pipeline; the run waits for it, so the steps after see them (a branch on the trait,
        // a message rendering it). A fresh id per visit: a loop may pass here again.
        const messageId = `upd:${run.id}:${stepId}:${newId('u')}`;
        await c.emit([{
          messageId, type: 'identify', event: null, userId: null, anonymousId: run.profileId, channel: 'internal',
          timestamp: c.now, receivedAt: c.now, sourceId: 'internal', properties: {}, traits: step.traits as JsonObject, context: { profileId: run.profileId, journeyId, runId: run.id },
        }]);
        run.waiting = { kind: 'update', messageId };
        return c.writes.run(run);
      }
      case 'webhook':
        await c.outbox.enqueue(c.tx, {
          workspaceId: run.workspaceId, idempotencyKey: `${run.id}:${stepId}:0`, profileId: run.profileId, channel: 'webhook', templateKey: `webhook:${stepId}`,
          purpose: 'transactional', journeyId, journeyVersion: run.version, stepId, runId: run.id, now: c.now,
          context: { webhook: { url: step.url, method: step.method ?? 'POST', headers: step.headers ?? {}, body: (step.body ?? null) as Json }, journey: { id: journeyId, name: def.name } },
        });
        stepId = step.next;
        break;
      case 'exit':
        c.writes.step(run, stepId, 'left', c.now, 'exit');
        run.step = null;
        return endRun(run, 'completed', 'exit step', c);
    }
  }
  if (stepId) throw new Error(`journey ${journeyId}: more than ${MAX_STEPS_PER_TURN} steps without a wait`);
}

async function send(run: Run, def: JourneyDefinition, stepId: string, step: SendStep, channel: string, attempt: number, c: StepContext): Promise<string> {
  const template = typeof step.template === 'string' ? step.template : (step.template as Record<string, string>)[channel] ?? Object.values(step.template)[0] ?? '';
  const r = await c.outbox.enqueue(c.tx, {
    workspaceId: run.workspaceId, idempotencyKey: `${run.id}:${stepId}:${attempt}`, profileId: run.profileId, channel, templateKey: template,
    purpose: step.purpose, journeyId: run.journeyId, journeyVersion: run.version, stepId, runId: run.id, now: c.now,
    context: { journey: { id: run.journeyId, name: def.name, step: stepId }, offer: (step.offer ?? null) as Json, event: c.trigger ? { name: c.trigger.event, properties: c.trigger.properties } : null },
  });
  return r.id;
}

/** A send step's fallback timer fired with no engagement: the next channel, or move on. */
export async function fallback(run: Run, def: JourneyDefinition, c: StepContext): Promise<void> {
  const w = run.waiting;
  const stepId = run.step!;
  const step = def.steps[stepId] as SendStep;
  if (!w || w.kind !== 'engagement') return;
  const index = w.index + 1;
  if (index >= w.channels.length) { c.writes.step(run, stepId, 'left', c.now, 'no engagement'); return advance(run, def, step.next, c); }
  const messageId = await send(run, def, stepId, step, w.channels[index], index, c);
  const timerId = `j:${run.id}:${stepId}:${c.now}`;
  if (index + 1 < w.channels.length) {
    c.writes.timer(run, timerId, c.now + parseDuration(step.fallback_after!, 'fallback_after'), 'fallback');
    run.waiting = { kind: 'engagement', timerId, messageId, channels: w.channels, index };
    return c.writes.run(run);
  }
  c.writes.step(run, stepId, 'left', c.now, `fell back to ${w.channels[index]}`);
  return advance(run, def, step.next, c);
}

export async function endRun(run: Run, status: Run['status'], reason: string, c: StepContext): Promise<void> {
  if (run.waiting && 'timerId' in run.waiting) c.writes.cancelTimer(run.waiting.timerId);
  if (run.step && status !== 'completed') c.writes.step(run, run.step, 'left', c.now, reason);
  run.status = status;
  run.endReason = reason;
  run.endedAt = c.now;
  run.waiting = null;
  if (status !== 'completed') run.step = null;
  c.writes.run(run);
}

/** The goal: the run ends at once, its queued messages are cancelled and its audiences left. */
export async function convert(run: Run, revenue: number, c: StepContext): Promise<void> {
  run.convertedAt = c.now;
  run.revenue = revenue;
  c.outbox.cancelRun(run, 'goal reached');
  c.audiences.remove(run, c.now, 'goal reached');
  await endRun(run, 'converted', 'goal', c);
}

export async function exitRun(run: Run, reason: string, c: StepContext): Promise<void> {
  c.outbox.cancelRun(run, reason);
  c.audiences.remove(run, c.now, reason);
  await endRun(run, 'exited', reason, c);
}


async function timezoneOf(c: StepContext, profileId: string): Promise<string> {
  const known = c.profileOf?.(profileId);
  if (known) return known.timezone ?? 'UTC';
  const rows = await c.tx.query<{ timezone: string | null }>('select timezone from profiles where id = $1', [profileId]);
  return rows[0]?.timezone ?? 'UTC';
}

const SEND_ORDER = ['push', 'email', 'sms', 'messenger', 'whatsapp', 'in_app', 'direct_mail'];

/**
 * The channels a send tries, in order: "best" is the profile's preferred channel, then the
 * others it can be reached on; a list keeps the profile's reachable-and-consented channels
 * first. A channel nobody can use still gets the message, so the outbox records why it was
 * suppressed rather than dropping it silently.
 */
async function channelsFor(c: StepContext, profileId: string, step: SendStep): Promise<string[]> {
  const p = c.profileOf?.(profileId) ?? (await c.tx.query<ProfileView>(
    'select channels, consent, computed, traits, timezone from profiles where id = $1', [profileId]))[0];
  const usable = (ch: string) => {
    if (!p) return false;
    const consentOk = step.purpose === 'transactional' || p.consent[ch]?.status === 'granted';
    const reach = ch === 'direct_mail' ? Boolean((p.traits.address as JsonObject | undefined)?.line1 ?? (p.traits.address as JsonObject | undefined)?.street) : p.channels[ch]?.reachable === true;
    return consentOk && reach;
  };
  if (step.channel === 'best') {
    const preferred = typeof p?.computed.preferred_channel === 'string' ? [p.computed.preferred_channel] : [];
    const order = [...preferred, ...SEND_ORDER.filter(c => !preferred.includes(c))];
    const ok = order.filter(usable);
    return ok.length ? ok : [order[0]];
  }
  const list = Array.isArray(step.channel) ? step.channel : [step.channel];
  if (!step.fallback_after) {
    const first = list.find(usable);
    return [first ?? list[0]];
  }
  const ok = list.filter(usable);
  return ok.length ? ok : [list[0]];
}

async function firstMatchingCase(c: StepContext, run: Run, step: BranchStep): Promise<number> {
  const st = await branchState(c.tx, c.branchStates, run.profileId, step, c.now);
  if (!st) return -1;
  const input = { profile: { id: st.id, traits: st.traits, channels: st.channels, consent: st.consent, lastLocation: st.lastLocation }, computed: st.computed, segments: st.segments, events: st.events };
  return step.cases.findIndex(x => compile(x.if).evaluate(input, c.now).match);
}

export const newRunId = () => newId('run');
