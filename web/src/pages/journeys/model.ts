// The journey definition as the console edits it. It mirrors the server's JSON schema
// loosely on purpose: a step being edited may be incomplete, and the server's validator
// (POST /journeys/validate) is the one judge of what is right.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Obj = Record<string, unknown>;

export const STEP_TYPES = ['wait', 'wait_event', 'send', 'branch', 'split', 'audience', 'update', 'webhook', 'exit'] as const;
export type StepType = (typeof STEP_TYPES)[number];
export const CHANNELS = ['email', 'sms', 'push', 'messenger', 'whatsapp', 'wechat', 'in_app', 'direct_mail'] as const;
export const PLATFORMS = ['facebook', 'instagram', 'pinterest', 'youtube', 'google', 'tiktok', 'snapchat'] as const;
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

export interface EventMatch extends Obj { event: string; channel?: string; where?: unknown[] }
export interface Step extends Obj { type: StepType }

export interface Definition extends Obj {
  name: string;
  description?: string;
  entry: EventMatch | { segment: string };
  reentry?: 'never' | 'after_exit' | { after: string };
  goal?: EventMatch & { within?: string };
  exit?: EventMatch[];
  priority?: number;
  start: string;
  steps: Record<string, Step>;
}

export interface Journey {
  id: string; name: string; status: 'draft' | 'active' | 'paused' | 'archived'; version: number;
  draft: Definition; published: Definition | null; createdAt: string; updatedAt: string;
}

export interface Problem { path: string; step: string | null; message: string; publishOnly: boolean }

export const TYPE_LABEL: Record<StepType, string> = {
  wait: 'Wait', wait_event: 'Wait for event', send: 'Send', branch: 'Branch', split: 'Split',
  audience: 'Ad audience', update: 'Update traits', webhook: 'Webhook', exit: 'Exit',
};

/** The node id of the entry, which is not a step: the journey's trigger and its settings. */
export const ENTRY = '__entry';

export const clone = <T,>(v: T): T => structuredClone(v);

/** A short JSON rendering for labels and sentences. */
export function short(v: unknown, max = 40): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? 'nothing';
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
