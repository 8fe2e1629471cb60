import type { Json, OmnisEvent } from '../../shared/index.ts';

/**
 * Glossary
 * - run: one profile's passage through one journey version, from entry to its end
 *   (completed, converted at the goal, exited by an exit event or archive).
 * - waiting: what an active run waits for at its step: a timer (wait), events or their
 *   timeout (wait_event), engagement with a message or the fallback timer (send with
 *   fallback), only the goal (holdout), or its own trait update to be applied (update).
 */
export type RunStatus = 'active' | 'completed' | 'converted' | 'exited';

export type Waiting =
  | { kind: 'timer'; timerId: string }
  | { kind: 'events'; timerId: string }
  | { kind: 'engagement'; timerId: string; messageId: string; channels: string[]; index: number }
  | { kind: 'holdout' }
  /** An update step's identify (`messageId`) is on its way through the pipeline. */
  | { kind: 'update'; messageId: string };

export interface Run {
  id: string; workspaceId: string; journeyId: string; version: number; profileId: string;
  status: RunStatus; step: string | null; waiting: Waiting | null; path: string | null; holdout: boolean;
  enteredAt: number; goalUntil: number | null; endedAt: number | null; endReason: string | null;
  convertedAt: number | null; revenue: number;
}

/** One entry of a run's trail (journey_runs.trail): [step, action, epoch ms], and the detail when there is one. */
export type TrailEntry = [stepId: string, action: 'entered' | 'left', at: number, detail?: string];

export const JOURNEY_TIMER = 'journey';

export interface TimerPayload { kind: typeof JOURNEY_TIMER; what: 'wait' | 'timeout' | 'fallback' | 'goal_window' | 'audience_expiry'; runId?: string; timerId: string; membershipId?: number }

export interface OutboxInput {
  workspaceId: string; idempotencyKey: string; profileId: string; channel: string; templateKey: string;
  purpose?: 'marketing' | 'transactional'; journeyId: string; journeyVersion: number; stepId: string; runId: string;
  context?: { [key: string]: Json }; sendAt?: number; now: number;
}

type Tx = import('../../store/index.ts').Tx;
type CancelFilter = { workspaceId: string; profileId: string; journeyId?: string; runId?: string };

/** What the engine needs from messaging, passed in (journeys do not import messaging). */
export interface Outbox {
  /** Many at once, with ids the caller chose; a key already queued answers with its message's id. */
  enqueueMany(tx: Tx, inputs: (OutboxInput & { id: string })[]): Promise<{ id: string; created: boolean }[]>;
  /** Each filter's queued messages cancelled with its reason, in one go. */
  cancelMany(tx: Tx, cancels: { filter: CancelFilter; reason: string }[], now: number): Promise<number>;
}

/** The outbox as steps see it within one batch (see BatchOutbox): a message's id at once, written with the batch. */
export interface StepOutbox {
  enqueue(tx: Tx, input: OutboxInput): Promise<{ id: string }>;
  /** The ended run's queued messages, cancelled (with what the batch enqueued for it) when the batch is written. */
  cancelRun(run: { workspaceId: string; profileId: string; id: string }, reason: string): void;
}

export type Emit = (events: OmnisEvent[]) => Promise<void>;
