/**
 * A workspace's contact policy: how often one profile may be contacted, when not, and
 * which journey wins when several want the same profile on one day. It applies to
 * marketing sends only; transactional sends (receipts, pick-up notices) always go.
 *
 * Glossary
 * - cap: at most `max` marketing messages on `channel` ("any" = all channels together),
 *   optionally only those tagged `tag`, within a rolling window `per` (≤ 30 days). A
 *   message sent at t counts while now − per < t.
 * - quiet hours: a local wall-clock window (it may cross midnight) in the profile's time
 *   zone during which sends on `channels` are delayed to its end, or skipped.
 * - journey priority "per_day": once a profile got a marketing message from a journey
 *   on a local calendar day, journeys of lower priority send it nothing more that day.
 */
import type { SendChannel } from '../definition/index.ts';

export interface CapRule {
  channel: SendChannel | 'any';
  max: number;
  /** A duration, at most "30d". */
  per: string;
  /** Only messages carrying this tag count, and only candidates carrying it are capped. */
  tag?: string;
}

export interface QuietHours {
  /** "HH:MM" local; the window is [start, end), crossing midnight when start > end. */
  start: string;
  end: string;
  /** Default "delay": hold the message until the window ends. "skip" drops it. */
  action: 'delay' | 'skip';
  /** Default: every channel. */
  channels?: SendChannel[];
  /** For profiles without a (valid) time zone. Default UTC. */
  defaultTimezone?: string;
}

export interface ContactPolicy {
  /** At most 10 rules. Default: none. */
  caps: CapRule[];
  /** Default: none. */
  quietHours?: QuietHours;
  /** Default "off". */
  journeyPriority: 'per_day' | 'off';
}

export type Purpose = 'marketing' | 'transactional';

/** The message about to be sent. */
export interface Candidate {
  channel: string;
  purpose: Purpose;
  journeyId: string;
  /** The journey's priority; higher is more important. */
  priority: number;
  tags?: string[];
}

/** A message already sent to the profile (the caller loads the last 30 days or so). */
export interface SentMessage {
  channel: string;
  /** Epoch ms it was sent. */
  at: number;
  journeyId: string;
  priority: number;
  purpose: Purpose;
  tags?: string[];
}

/**
 * `reason` is a short machine string (`cap:any:3/7d`, `cap:sms#promo:4/30d`,
 * `priority:<journeyId>`, `quiet_hours`); `detail` says the same for people.
 */
export type PolicyDecision =
  | { action: 'send' }
  | { action: 'suppress'; reason: string; detail: string }
  | { action: 'delay'; until: number; reason: string; detail: string };
