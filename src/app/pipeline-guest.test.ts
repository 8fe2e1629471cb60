import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/index.ts';
import { ThreadedProcessor } from '../bus/index.ts';
import type { OmnisEvent } from '../shared/index.ts';
import { createOmnis, DEFAULT_WORKSPACE } from './index.ts';

const event = (n: number, extra: Partial<OmnisEvent>): OmnisEvent => ({
  messageId: `m${n}`, type: 'track', event: 'Viewed', userId: null, anonymousId: `anon-${n % 3}`, previousId: null, groupId: null, channel: 'web',
  timestamp: Date.UTC(2026, 2, 1) + n * 1000, receivedAt: Date.now(), properties: {}, traits: {}, context: {}, sourceId: null, ...extra,
});

test('with PGlite on its own thread, the pipeline runs there as its guest, and stops before the database closes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnis-guest-'));
  const db = await openStore({ dataDir: dir, databaseUrl: '', thread: true });
  try {
    const omnis = await createOmnis({ db, logError: e => assert.fail(String(e)) });
    assert.ok(omnis.processor instanceof ThreadedProcessor, 'the system clock and a threaded PGlite put the pipeline on that thread');
    await omnis.start();
    await omnis.log.append(DEFAULT_WORKSPACE, [
      ...[0, 1, 2, 3, 4, 5].map(n => event(n, {})),
      event(6, { type: 'identify', event: null, userId: 'u1', anonymousId: 'anon-0', traits: { email: 'ann@example.com', plan: 'pro' } }),
      event(7, { type: 'identify', event: null, userId: 'u1', anonymousId: 'anon-1' }),
    ]);
    await omnis.idle();
    assert.equal(await omnis.lag(), 0);
    // anon-0 and anon-1 merged through u1; anon-2 is a profile of its own.
    const profiles = await db.query<{ traits: { plan?: string }; n: number }>(
      `select p.traits, (select count(*)::int from profile_events e where e.profile_id = p.id) as n from profiles p where merged_into is null order by n desc`);
    assert.deepEqual(profiles.map(p => [p.n, p.traits.plan ?? null]), [[6, 'pro'], [2, null]]);
    await omnis.stop();
    // Stopped: the thread runs nothing more, and a new Omnis picks up where it left off.
    const again = await createOmnis({ db, logError: e => assert.fail(String(e)) });
    await again.start();
    await again.log.append(DEFAULT_WORKSPACE, [event(8, { anonymousId: 'anon-2' })]);
    await again.idle();
    const [{ n }] = await db.query<{ n: number }>('select count(*)::int as n from profile_events');
    assert.equal(n, 9);
    await again.stop();
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
