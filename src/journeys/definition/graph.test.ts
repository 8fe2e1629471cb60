import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJourney } from './parse.ts';
import { letsTimePass, successors } from './graph.ts';
import { cartJourney, refuses } from './testing.ts';
import type { Step } from './types.ts';

const journey = (steps: Record<string, unknown>, start = 'a') => ({ name: 'j', entry: { event: 'E' }, start, steps });
const exit = { type: 'exit' };
const wait = (next: string) => ({ type: 'wait', for: '1d', next });
const send = (next: string) => ({ type: 'send', channel: 'email', template: 't', next });

test('a dangling reference is named by the field holding it, wherever it is', () => {
  refuses(() => parseJourney(journey({ a: wait('missing'), z: exit })), 'steps.a.next', /step "missing" does not exist; steps are "a", "z"/);
  refuses(() => parseJourney(journey({ a: { type: 'branch', cases: [{ if: { consent: 'email' }, next: 'z' }, { if: { consent: 'sms' }, next: 'y' }], else: 'z' }, z: exit })), 'steps.a.cases.1.next', /step "y" does not exist/);
  refuses(() => parseJourney(journey({ a: { type: 'branch', cases: [{ if: { consent: 'email' }, next: 'z' }], else: 'q' }, z: exit })), 'steps.a.else', /step "q" does not exist/);
  refuses(() => parseJourney(journey({ a: { type: 'wait_event', events: [{ event: 'X', next: 'z' }], timeout: '1d', on_timeout: 'q' }, z: exit })), 'steps.a.on_timeout', /"q" does not exist/);
  refuses(() => parseJourney(journey({ a: { type: 'wait_event', events: [{ event: 'X', next: 'q' }], timeout: '1d', on_timeout: 'z' }, z: exit })), 'steps.a.events.0.next', /"q" does not exist/);
  refuses(() => parseJourney(journey({ a: { type: 'split', paths: [{ percent: 50, next: 'z' }, { percent: 50, next: 'Z' }] }, z: exit })), 'steps.a.paths.1.next', /step "Z" does not exist/);
  // Step ids are case-sensitive and own properties only: "constructor" is not a step.
  refuses(() => parseJourney(journey({ a: wait('constructor'), z: exit })), 'steps.a.next', /"constructor" does not exist/);
});

test('a step that cannot be reached from start is an error naming it', () => {
  refuses(() => parseJourney(journey({ a: wait('z'), z: exit, old_email: send('z') })), 'steps.old_email', /step "old_email" is not reachable from start "a"; link to it with "next" or delete it/);
  // Reachable only from another orphan is still unreachable; the first orphan in order is named.
  refuses(() => parseJourney(journey({ a: exit, b: send('c'), c: exit })), 'steps.b', /"b" is not reachable/);
  // Reachable through a holdout-free split path and a wait_event timeout counts.
  assert.ok(parseJourney(journey({ a: { type: 'wait_event', events: [{ event: 'X', next: 'z' }], timeout: '1d', on_timeout: 'b' }, b: { type: 'split', paths: [{ percent: 50, next: 'z' }, { percent: 50, next: 'c' }] }, c: send('z'), z: exit })));
});

test('a loop without a wait is refused, naming the edge that closes it', () => {
  refuses(() => parseJourney(journey({ a: send('a') })), 'steps.a.next', /the loop a → a has no wait/);
  refuses(() => parseJourney(journey({ a: wait('b'), b: send('c'), c: { type: 'branch', cases: [{ if: { consent: 'email' }, next: 'b' }], else: 'z' }, z: exit })), 'steps.c.cases.0.next', /the loop b → c → b has no wait/);
  refuses(() => parseJourney(journey({ a: { type: 'split', paths: [{ percent: 50, next: 'b' }, { percent: 50, next: 'z' }] }, b: { type: 'update', traits: { n: 1 }, next: 'a' }, z: exit })), 'steps.b.next', /the loop a → b → a/);
  // A wait until an absolute instant passes once, then lets loops spin: it does not break one.
  refuses(() => parseJourney(journey({ a: { type: 'wait', until: { at: '2026-12-01T00:00:00Z' }, next: 'b' }, b: send('a') })), 'steps.b.next', /the loop a → b → a/);
});

test('a loop through a wait, a local-time wait or a wait_event is fine', () => {
  assert.ok(parseJourney(journey({ a: send('b'), b: wait('c'), c: { type: 'branch', cases: [{ if: { consent: 'email' }, next: 'a' }], else: 'z' }, z: exit })));
  assert.ok(parseJourney(journey({ a: send('b'), b: { type: 'wait', until: { local_time: '09:00', days: ['mon'] }, next: 'a' } })));
  assert.ok(parseJourney(journey({ a: send('b'), b: { type: 'wait_event', events: [{ event: 'Email Opened', next: 'a' }], timeout: '3d', on_timeout: 'a' } })));
  // Loops after a wait are searched too: the wait ends one search, its successors start another.
  refuses(() => parseJourney(journey({ a: wait('b'), b: send('c'), c: send('b') })), 'steps.c.next', /the loop b → c → b/);
});

test('successors and letsTimePass cover every step type', () => {
  const def = parseJourney(cartJourney());
  const edges = Object.fromEntries(Object.entries(def.steps).map(([id, s]) => [id, successors(s).map(e => `${e.field}=${e.to}`)]));
  assert.deepEqual(edges, {
    wait1: ['next=email1'], email1: ['next=watch'], watch: ['events.0.next=check', 'on_timeout=ads'], ads: ['next=ab'],
    check: ['cases.0.next=ask', 'cases.1.next=set', 'else=ab'], ab: ['paths.0.next=ask', 'paths.1.next=set'],
    ask: ['next=set'], set: ['next=hook'], hook: ['next=until'], until: ['next=done'], done: [],
  });
  const waits = Object.entries(def.steps).filter(([, s]) => letsTimePass(s as Step)).map(([id]) => id);
  assert.deepEqual(waits, ['wait1', 'watch', 'until']);
});
