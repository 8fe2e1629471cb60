/** Builders for computed-trait tests. */
import type { EvalEvent } from '../condition/index.ts';
import type { Json } from '../../shared/index.ts';

export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const NOW = Date.parse('2026-03-01T12:00:00Z');

export function ev(event: string | null, timestamp: number, properties: Record<string, Json> = {}, extra: Partial<EvalEvent> = {}): EvalEvent {
  return { event, type: 'track', channel: 'web', timestamp, properties, ...extra };
}

export const sorted = (events: EvalEvent[]) => [...events].sort((a, b) => a.timestamp - b.timestamp);
