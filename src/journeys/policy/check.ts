/**
 * `checkPolicy`: may this message go to this profile now? Pure: the caller passes the
 * profile's recently sent messages and the time, and acts on the answer (send, drop, or
 * hold until `until` and ask again then).
 *
 * Order: caps and journey priority first (a message they refuse would be refused after
 * any delay too, so delaying it only to drop it later helps no one), quiet hours last.
 */
import { parseDuration } from '../../shared/index.ts';
import { isTimeZone, localDate, localMinuteOfDay, nextLocalTime } from '../definition/index.ts';
import type { Candidate, CapRule, ContactPolicy, PolicyDecision, SentMessage } from './types.ts';

const DAY = 86_400_000;

export function checkPolicy(policy: ContactPolicy, candidate: Candidate, history: readonly SentMessage[], profileTz: string | null | undefined, now: number): PolicyDecision {
  if (candidate.purpose === 'transactional') return { action: 'send' };
  const marketing = history.filter(m => m.purpose === 'marketing');

  for (const rule of policy.caps) {
    if (!capApplies(rule, candidate.channel, candidate.tags)) continue;
    const count = countInWindow(rule, marketing, now);
    if (count >= rule.max) {
      const scope = rule.tag === undefined ? rule.channel : `${rule.channel}#${rule.tag}`;
      return {
        action: 'suppress',
        reason: `cap:${scope}:${rule.max}/${rule.per}`,
        detail: `already ${count} marketing message(s) ${rule.channel === 'any' ? 'on all channels' : `on ${rule.channel}`}${rule.tag === undefined ? '' : ` tagged "${rule.tag}"`} in the last ${rule.per}; the cap is ${rule.max}`,
      };
    }
  }

  const tz = resolveTimeZone(profileTz, policy.quietHours?.defaultTimezone);

  if (policy.journeyPriority === 'per_day') {
    const winner = higherPriorityToday(candidate, marketing, tz, now);
    if (winner) {
      return {
        action: 'suppress',
        reason: `priority:${winner.journeyId}`,
        detail: `journey "${winner.journeyId}" (priority ${winner.priority}) already contacted this profile today (${tz}); this journey has priority ${candidate.priority}`,
      };
    }
  }

  const q = policy.quietHours;
  if (q && (!q.channels || (q.channels as readonly string[]).includes(candidate.channel)) && inWindow(localMinuteOfDay(now, tz), q.start, q.end)) {
    if (q.action === 'skip') return { action: 'suppress', reason: 'quiet_hours', detail: `quiet hours ${q.start}–${q.end} in ${tz}; the policy skips such sends` };
    const until = windowEnd(now, tz, q.end);
    return { action: 'delay', until, reason: 'quiet_hours', detail: `quiet hours ${q.start}–${q.end} in ${tz}; held until ${q.end} local` };
  }
  return { action: 'send' };
}

/** A rule caps a candidate on its channel (or "any") that carries the rule's tag, if it has one. */
export function capApplies(rule: CapRule, channel: string, tags: readonly string[] | undefined): boolean {
  if (rule.channel !== 'any' && rule.channel !== channel) return false;
  return rule.tag === undefined || (tags ?? []).includes(rule.tag);
}

/** Messages the rule counts at `now`: sent after now − per (later ones too: a clock skew must not open a gap). */
export function countInWindow(rule: CapRule, sent: readonly SentMessage[], now: number): number {
  const from = now - parseDuration(rule.per, 'per');
  let n = 0;
  for (const m of sent) if (m.at > from && capApplies(rule, m.channel, m.tags)) n++;
  return n;
}

/** The profile's zone if Intl knows it, else the policy's default, else UTC. */
export function resolveTimeZone(profileTz: string | null | undefined, fallback: string | undefined): string {
  if (isTimeZone(profileTz)) return profileTz;
  if (isTimeZone(fallback)) return fallback;
  return 'UTC';
}

function higherPriorityToday(candidate: Candidate, sent: readonly SentMessage[], tz: string, now: number): SentMessage | null {
  const today = localDate(now, tz);
  let best: SentMessage | null = null;
  for (const m of sent) {
    // A local day is at most 26 hours long; skip the time-zone work for anything further away.
    if (m.journeyId === candidate.journeyId || m.priority <= candidate.priority || Math.abs(m.at - now) > 2 * DAY) continue;
    if (localDate(m.at, tz) === today && (!best || m.priority > best.priority)) best = m;
  }
  return best;
}

/** Is minute-of-day `m` inside [start, end)? A window with start > end crosses midnight. */
export function inWindow(m: number, start: string, end: string): boolean {
  const s = minutes(start), e = minutes(end);
  return s < e ? m >= s && m < e : m >= s || m < e;
}

/** The next instant the local clock reads `end`, the quiet window's end. */
function windowEnd(now: number, tz: string, end: string): number {
  const next = nextLocalTime(now, tz, { local_time: end });
  // nextLocalTime takes a day's first occurrence of a time; inside a repeated fall-back
  // hour the window ends at the second one, which may come sooner.
  const m = localMinuteOfDay(now, tz), e = minutes(end);
  if (m < e) {
    const t = Math.floor(now / 60_000) * 60_000 + (e - m) * 60_000;
    if (t < next && localMinuteOfDay(t, tz) === e) return t;
  }
  return next;
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
