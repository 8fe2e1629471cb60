/**
 * Core types shared by every module.
 *
 * Glossary
 * - workspace: a tenant. Every row and every key belongs to exactly one.
 * - event: one Segment-shaped call (identify, track, page, screen, group, alias) after
 *   ingest has validated it and fixed its timestamp. Identified by `messageId`.
 * - channel: where an event happened or a message goes: web, app, pos, email, sms, push,
 *   messenger, marketplace, ads, direct_mail, call_center, server, ...
 * - identifier: a (type, value) pair that names a person: user_id, anonymous_id, email,
 *   phone, or any external id type (loyalty_id, pos_customer_id, device_id, ...).
 * - profile: one customer, holding every identifier, trait and event that resolved to it.
 * - merge: two profiles found to be one person; the older survives, the other points to it.
 */

export type EventType = 'identify' | 'track' | 'page' | 'screen' | 'group' | 'alias';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** An event as ingest accepted it and the pipeline reads it. Times are epoch ms. */
export interface OmnisEvent {
  messageId: string;
  type: EventType;
  /** The track event name, or the page/screen name; null for identify/group/alias. */
  event: string | null;
  userId: string | null;
  anonymousId: string | null;
  /** alias: the id being merged into userId. group: the group id. */
  previousId?: string | null;
  groupId?: string | null;
  channel: string;
  /** Event time after clock-skew correction. */
  timestamp: number;
  receivedAt: number;
  properties: JsonObject;
  traits: JsonObject;
  context: JsonObject;
  /** The key (source) it arrived with. */
  sourceId: string | null;
}

/** An event as stored, with its place in the log and the profile it resolved to. */
export interface StoredEvent extends OmnisEvent {
  seq: number;
  profileId: string | null;
}

export type ConsentStatus = 'granted' | 'denied';
export interface ConsentEntry { status: ConsentStatus; at: number; source: string }

export interface ChannelReach {
  email?: { address: string; reachable: boolean; reason?: string };
  sms?: { phone: string; reachable: boolean; reason?: string };
  push?: { tokens: string[]; reachable: boolean };
  [channel: string]: unknown;
}

export interface SeenEntry { first: number; last: number }

export interface Profile {
  id: string;
  workspaceId: string;
  traits: JsonObject;
  /** Per top-level trait: the timestamp of the event that set it (latest wins). */
  traitTimes: Record<string, number>;
  channels: ChannelReach;
  consent: Record<string, ConsentEntry>;
  /** First/last seen per channel the profile was active on. */
  seen: Record<string, SeenEntry>;
  timezone: string | null;
  lastLocation: { lat: number; lng: number; at: number } | null;
  createdAt: number;
  updatedAt: number;
}

export interface Identity { type: string; value: string }
