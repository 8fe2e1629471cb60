/**
 * Segment-style feedback events about outbox messages ("Message Sent", "Message Suppressed"...),
 * so journeys (a goal, a fallback channel) and segments can react to what happened to a send.
 */
import { groupBy, type JsonObject, type OmnisEvent } from '../../shared/index.ts';
import type { MessageStatus, OutboxMessage } from './types.ts';

export type Emit = (workspaceId: string, events: OmnisEvent[]) => Promise<void> | void;

const NAMES: Partial<Record<MessageStatus, string>> = {
  sent: 'Message Sent',
  delivered: 'Message Delivered',
  failed: 'Message Failed',
  // Dead is a failure the retries could not fix; journeys treat it like one.
  dead: 'Message Failed',
  suppressed: 'Message Suppressed',
};

export function feedbackEvent(m: OutboxMessage, now: number, extra: JsonObject = {}): OmnisEvent | null {
  const name = NAMES[m.status];
  if (!name) return null;
  return {
    // Deterministic, so emitting the same transition again is deduped by the event log.
    messageId: `${m.id}:${m.status}`,
    type: 'track',
    event: name,
    userId: null,
    // The event shape needs an id; the pipeline pins internal events to context.profileId.
    anonymousId: m.profileId,
    channel: m.channel,
    timestamp: now,
    receivedAt: now,
    properties: {
      messageId: m.id,
      channel: m.channel,
      status: m.status,
      journeyId: m.journeyId,
      journeyVersion: m.journeyVersion,
      stepId: m.stepId,
      runId: m.runId,
      templateKey: m.templateKey,
      purpose: m.purpose,
      provider: m.provider,
      providerMessageId: m.providerMessageId,
      reason: m.reason,
      ...extra,
    },
    traits: {},
    context: { profileId: m.profileId },
    sourceId: 'internal',
  };
}

/**
 * Emits the events of status changes that have one, together (one call per workspace). An
 * emit failure is reported, never thrown: the status changes they describe have committed.
 */
export async function emitFeedback(emit: Emit | undefined, moved: readonly { m: OutboxMessage; extra?: JsonObject }[], now: number, onError: (err: unknown) => void): Promise<void> {
  if (!emit || !moved.length) return;
  const events = moved.map(({ m, extra }) => ({ ws: m.workspaceId, e: feedbackEvent(m, now, extra) })).filter((x): x is { ws: string; e: OmnisEvent } => x.e !== null);
  for (const [ws, group] of groupBy(events, x => x.ws)) {
    try {
      await emit(ws, group.map(x => x.e));
    } catch (err) {
      onError(err);
    }
  }
}
