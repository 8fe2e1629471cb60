/**
 * A journey definition: the JSON a marketer writes (or the console builds), as
 * `parseJourney` returns it. Field names are the JSON's own (snake_case included) so a
 * stored definition round-trips: parsing a parsed definition gives it back unchanged.
 * Parsing fills in defaults (`reentry`, `priority`, `goal.within`, `send.purpose`), so
 * the engine never has to know them.
 *
 * Glossary
 * - step: one node of the journey graph, keyed by its id in `steps`. Each step names the
 *   step(s) that follow it (`next`, `else`, `on_timeout`, `cases[].next`...).
 * - run: one profile's pass through one journey, from entry to an `exit` step, a goal,
 *   an exit event, or a holdout path.
 * - wait: a step that lets time pass (`wait`, `wait_event`). Every loop in the graph
 *   must hold one, otherwise a run would spin forever at one instant.
 * - goal: the conversion the journey works towards. Reaching it ends the run (pending
 *   sends are cancelled and ad audiences left) and counts as a conversion for the run's
 *   path, holdout paths included.
 * - holdout: a `split` path that receives nothing. The run ends there at once but its
 *   profile stays counted for conversion until `goal.within` has passed, so reports can
 *   compare conversion against a control group.
 * - duration: a string like "30m", "14d", "2w" (see shared/duration.ts).
 */
import type { Condition, JsonObject, PropertyFilter } from './deps.ts';

/** Channels a `send` step can use; "best" (the profile's preferred channel) is separate. */
export const SEND_CHANNELS = ['email', 'sms', 'push', 'messenger', 'whatsapp', 'wechat', 'in_app', 'direct_mail'] as const;
export type SendChannel = (typeof SEND_CHANNELS)[number];

export const AD_PLATFORMS = ['facebook', 'instagram', 'pinterest', 'youtube', 'google', 'tiktok', 'snapchat'] as const;
export type AdPlatform = (typeof AD_PLATFORMS)[number];

/** Day names in `getUTCDay()` order. */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const STEP_TYPES = ['wait', 'wait_event', 'send', 'audience', 'branch', 'split', 'update', 'webhook', 'exit'] as const;
export type StepType = (typeof STEP_TYPES)[number];

export const STEP_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_STEPS = 200;
/** Longest duration anywhere in a journey: keeps every timer finite and inside Date's range. */
export const MAX_DURATION = '730d';

/** Matches one event: by name, optionally on one channel and with property filters. */
export interface EventMatch {
  event: string;
  /** Only events that happened on this channel (web, app, pos, email...). Default: any. */
  channel?: string;
  /** Condition-language property filters; all must pass. */
  where?: PropertyFilter[];
}

/** Profiles enter on an event, or when they enter a segment. */
export type Entry = EventMatch | { segment: string };

/**
 * May a profile enter again? Never two runs of one journey at once for one profile.
 * - "never" (default): once per profile, ever.
 * - "after_exit": again once the previous run has ended.
 * - {after: D}: again once the previous run has ended and D has passed since it entered.
 */
export type Reentry = 'never' | 'after_exit' | { after: string };

export interface Goal extends EventMatch {
  /** How long after entry a goal event still counts as a conversion. Default "30d". */
  within: string;
}

/** "HH:MM" on a 24-hour clock. */
export type LocalTimeSpec = { local_time: string; days?: Weekday[] };

/**
 * Exactly one of `for` (a duration) or `until`: a local wall-clock time in the profile's
 * time zone (optionally only on some days), or an absolute instant (ISO with a zone).
 */
export type WaitStep =
  | { type: 'wait'; for: string; next: string }
  | { type: 'wait'; until: LocalTimeSpec | { at: string }; next: string };

export interface WaitEventStep {
  type: 'wait_event';
  /** The first matching event wins; its `next` is taken. */
  events: (EventMatch & { next: string })[];
  timeout: string;
  on_timeout: string;
}

export interface SendStep {
  type: 'send';
  /**
   * One channel; "best" (the profile's preferred reachable channel); or a list in order
   * of preference. A list without `fallback_after` sends once, on the first channel the
   * profile can be reached on. With `fallback_after` it sends on the first and, when
   * there is no engagement with it within that time, on the next, and so on.
   */
  channel: SendChannel | 'best' | SendChannel[];
  /** A template key used on every channel, or one key per channel. */
  template: string | Partial<Record<SendChannel, string>>;
  /** Default "marketing". Transactional sends are exempt from caps, quiet hours and priority. */
  purpose: 'marketing' | 'transactional';
  /** Passed to the template (and kept with the message) so every channel shows the same offer. */
  offer?: JsonObject;
  fallback_after?: string;
  next: string;
}

export interface AudienceStep {
  type: 'audience';
  action: 'add' | 'remove';
  audience: string;
  /** Default: every ad platform the workspace has connected. */
  platforms?: AdPlatform[];
  /** add only: removed again automatically after this long. */
  for?: string;
  /** add only: passed to the ad platform. */
  frequency_cap?: { max: number; per: string };
  /** add only: the offer the ads show, so they match the messages. */
  offer?: JsonObject;
  next: string;
}

export interface BranchStep {
  type: 'branch';
  /** Evaluated in order against the profile; the first that matches wins. */
  cases: { if: Condition; next: string }[];
  else: string;
}

export type SplitPath =
  | { percent: number; next: string; holdout?: false }
  | { percent: number; holdout: true };

export interface SplitStep {
  type: 'split';
  /** Percents add up to 100. */
  paths: SplitPath[];
}

export interface UpdateStep {
  type: 'update';
  /** Merged into profile.traits; null removes a trait. */
  traits: JsonObject;
  next: string;
}

export interface WebhookStep {
  type: 'webhook';
  url: string;
  /** Default "POST". */
  method?: 'POST' | 'PUT' | 'PATCH';
  headers?: Record<string, string>;
  /** Sent as JSON along with the profile and run ids. */
  body?: JsonObject;
  next: string;
}

export interface ExitStep { type: 'exit' }

export type Step = WaitStep | WaitEventStep | SendStep | AudienceStep | BranchStep | SplitStep | UpdateStep | WebhookStep | ExitStep;

export interface JourneyDefinition {
  name: string;
  description?: string;
  entry: Entry;
  reentry: Reentry;
  goal?: Goal;
  /** Events that end a run at once (unsubscribed, complaint...). */
  exit?: EventMatch[];
  /** Whole number 0–100, higher is more important (contact policy `journeyPriority`). Default 0. */
  priority: number;
  start: string;
  steps: Record<string, Step>;
}
