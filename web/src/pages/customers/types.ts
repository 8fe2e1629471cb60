export interface Identity { type: string; value: string }

export interface Profile {
  id: string;
  identities: Identity[];
  traits: Record<string, unknown>;
  channels: Record<string, { reachable?: boolean; reason?: string; address?: string; phone?: string; tokens?: string[]; id?: string } | undefined>;
  consent: Record<string, { status: 'granted' | 'denied'; at: number; source: string }>;
  seen: Record<string, { firstSeen: string; lastSeen: string }>;
  timezone: string | null;
  createdAt: string; updatedAt: string;
  mergedFrom: string[];
  computed: Record<string, unknown>;
  segments: { id: string; name: string; since: string }[];
  journeys: { runId: string; journeyId: string; name: string; version: number; step: string | null; status: string; holdout: boolean; enteredAt: string }[];
}

export interface TimelineEvent {
  messageId: string; seq: number; type: string; event: string | null; channel: string; timestamp: string;
  properties: Record<string, unknown>; traits: Record<string, unknown>;
}

export interface Message {
  id: string; channel: string; provider: string | null; template: string; purpose: string; journeyId: string | null; stepId: string | null;
  status: string; reason: string | null; sendAt: string | null; sentAt: string | null; createdAt: string;
  history: { status: string; reason: string | null; at: string }[];
}

export interface MessageDetail extends Message {
  rendered: { subject?: string; html?: string; text?: string; body?: string; title?: string; url?: string; front?: string } | null;
}

export interface SearchHit { profileId: string; matched: Identity; name: string | null; identities: Identity[] }

const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);

/** The name a person goes by, from the usual traits. */
export function nameOf(traits: Record<string, unknown>): string | null {
  return str(traits.name) ?? ([str(traits.firstName), str(traits.lastName)].filter(Boolean).join(' ') || null);
}

/** A value as a short readable string. */
export function show(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return v.toLocaleString('en-US', { maximumFractionDigits: 2 });
  if (typeof v === 'string') return /^\d{4}-\d\d-\d\dT/.test(v) ? new Date(v).toLocaleString() : v;
  return JSON.stringify(v);
}
