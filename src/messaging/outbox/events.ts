/**
 * Segment-style feedback events about outbox messages ("Message Sent", "Message Suppressed"...),
 * so journeys (a goal, a fallback channel) and segments can react to what happened to a send.
 */
import type { JsonObject, OmnisEvent } from '../../shared/index.ts';
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

/** Emits the event of a status change, if it has one. An emit failure is reported, never thrown:
 * the status change it describes has already committed. */
export async function emitFeedback(emit: Emit | undefined, m: OutboxMessage, now: number, onError: (err: unknown) => void, extra?: JsonObject): Promise<void> {
  const event = feedbackEvent(m, now, extra);
  if (!event || !emit) return;
  try {
    await emit(m.workspaceId, [event]);
  } catch (err) {
    onError(err);
  }
}
