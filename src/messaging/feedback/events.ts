/**
 * The events delivery feedback puts into the log. Two shapes:
 * - pinned: about a profile Omnis already knows (a message's recipient, a signed link's
 *   owner): `sourceId: 'internal'` and `context.profileId`, which the pipeline honours
 *   without resolving identifiers;
 * - identified: about a person named only by an identifier (the phone an SMS "STOP" came
 *   from, a Messenger psid): `context.externalIds`, so the pipeline resolves (or creates)
 *   the profile like for any tracked event, without writing traits.
 * Message ids are deterministic hashes of what makes the fact unique, so a provider
 * retrying its webhook (or a mailbox provider POSTing twice) is deduped by the log.
 */
import { createHash } from 'node:crypto';
import type { JsonObject, OmnisEvent } from '../../shared/index.ts';

export const INTERNAL_SOURCE = 'internal';

export function stableId(prefix: string, ...parts: (string | number | null | undefined)[]): string {
  return `${prefix}_${createHash('sha256').update(parts.map(p => String(p ?? '')).join('\u0000')).digest('hex').slice(0, 40)}`;
}

export interface PinnedInput {
  messageId: string;
  profileId: string;
  event: string;
  channel: string;
  timestamp: number;
  now: number;
  properties: JsonObject;
}

export function pinnedEvent(i: PinnedInput): OmnisEvent {
  return {
    messageId: i.messageId, type: 'track', event: i.event, userId: null,
    // The event shape wants an id; the pipeline pins internal events to context.profileId.
    anonymousId: i.profileId,
    channel: i.channel, timestamp: i.timestamp, receivedAt: i.now,
    properties: i.properties, traits: {}, context: { profileId: i.profileId }, sourceId: INTERNAL_SOURCE,
  };
}

export interface IdentifiedInput {
  messageId: string;
  identifiers: { type: string; id: string }[];
  event: string;
  channel: string;
  timestamp: number;
  now: number;
  properties: JsonObject;
  /** Where it came from, e.g. "webhook:twilio". */
  sourceId: string;
}

export function identifiedEvent(i: IdentifiedInput): OmnisEvent {
  return {
    messageId: i.messageId, type: 'track', event: i.event, userId: null, anonymousId: null,
    channel: i.channel, timestamp: i.timestamp, receivedAt: i.now, properties: i.properties, traits: {},
    context: { externalIds: i.identifiers.map(x => ({ id: x.id, type: x.type, collection: 'users', encoding: 'none' })) },
    sourceId: i.sourceId,
  };
}

/** Appends events to the event log (durable when it resolves). */
export type Append = (workspaceId: string, events: OmnisEvent[]) => Promise<unknown>;
