/** Small builders for tests of conditions: a profile, events, an evaluation input. */
import type { EvalEvent, EvalInput, EvalProfile } from './types.ts';
import type { JsonObject } from '../../shared/index.ts';

export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const NOW = Date.parse('2026-03-01T12:00:00Z');

export function ev(event: string | null, timestamp: number, properties: JsonObject = {}, extra: Partial<EvalEvent> = {}): EvalEvent {
  return { event, type: 'track', channel: 'web', timestamp, properties, ...extra };
}

export function profile(p: Partial<EvalProfile> = {}): EvalProfile {
  return { id: 'prof_1', traits: {}, channels: {}, consent: {}, lastLocation: null, ...p };
}

export function input(p: Partial<EvalProfile> = {}, events: EvalEvent[] = [], extra: Partial<EvalInput> = {}): EvalInput {
  return { profile: profile(p), computed: {}, segments: new Set(), events: [...events].sort((a, b) => a.timestamp - b.timestamp), ...extra };
}
