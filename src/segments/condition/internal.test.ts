import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCondition } from './schema.ts';
import { evaluate } from './evaluate.ts';
import { computeTrait, parseComputedTrait } from '../computed/index.ts';
import type { EvalEvent } from './types.ts';

const now = Date.parse('2026-03-01T12:00:00Z');
const ev = (event: string, channel: string, ago = 60_000): EvalEvent => ({ event, type: 'track', channel, timestamp: now - ago, properties: {} });
const input = (events: EvalEvent[]) => ({ profile: { id: 'p1', traits: {}, channels: {}, consent: {}, lastLocation: null }, computed: {}, segments: new Set<string>(), events });

test('"*" counts the person\'s events, not Omnis\'s own bookkeeping, unless asked for by name or channel', () => {
  const internal = [ev('Segment Entered', 'internal'), ev('Message Sent', 'internal')];
  const any = parseCondition({ event: '*', count: { op: 'gte', value: 1 }, within: '7d' });
  assert.equal(evaluate(any, input(internal), now).match, false);
  assert.equal(evaluate(any, input([...internal, ev('Page Viewed', 'web')]), now).match, true);
  assert.equal(evaluate(parseCondition({ event: 'Segment Entered', within: '7d' }), input(internal), now).match, true);
  assert.equal(evaluate(parseCondition({ event: '*', channel: 'internal', count: { op: 'eq', value: 2 } }), input(internal), now).match, true);
  const count = parseComputedTrait({ name: 'events_7d', kind: 'count', event: '*', within: '7d' });
  assert.equal(computeTrait(count, [...internal, ev('Page Viewed', 'web')], now).value, 1);
});
