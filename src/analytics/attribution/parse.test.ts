import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OmnisError } from '../../shared/index.ts';
import { readChannelAttribution } from './parse-channelattribution.ts';
import { readEventExport } from './parse-events.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');

async function rejects(p: Promise<unknown>, field: string, line: number, message: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof OmnisError, String(err));
    assert.equal(err.kind, 'invalid');
    assert.equal(err.field, field);
    assert.equal(err.details?.line, line);
    assert.match(err.message, message);
    return true;
  });
}

describe('ChannelAttribution file reader', () => {
  it('reads rows, splitting paths on > and trimming channels', async () => {
    const paths = await readChannelAttribution('\uFEFFpath;total_conversions;total_conversion_value;total_null\r\n eta >iota>  alpha  ;1;0.244;3\r\n\r\niota;0;0;6\n');
    assert.deepEqual(paths, [
      { touches: [{ channel: 'eta' }, { channel: 'iota' }, { channel: 'alpha' }], conversions: 1, value: 0.244, nulls: 3 },
      { touches: [{ channel: 'iota' }], conversions: 0, value: 0, nulls: 6 },
    ]);
  });

  it('finds columns by name, makes value and nulls optional, accepts commas and quotes', async () => {
    const paths = await readChannelAttribution(['total_conversions,"path"', '2,"a > > b"']);
    assert.deepEqual(paths, [{ touches: [{ channel: 'a' }, { channel: 'b' }], conversions: 2, value: 0, nulls: 0 }]);
  });

  it('streams from an async iterable', async () => {
    async function* lines() { yield 'path;total_conversions;total_conversion_value;total_null'; yield 'x > y;1;5;0'; }
    assert.equal((await readChannelAttribution(lines())).length, 1);
  });

  it('names the line and the column of a bad row', async () => {
    const head = 'path;total_conversions;total_conversion_value;total_null\n';
    await rejects(readChannelAttribution(head + 'a;1;2;0\nb;x;2;0\n'), 'total_conversions', 3, /line 3: expected a number ≥ 0, got "x"/);
    await rejects(readChannelAttribution(head + 'a;1;2;-1\n'), 'total_null', 2, /line 2/);
    await rejects(readChannelAttribution(head + 'a;1\n'), 'total_conversion_value', 2, /got ""/);
    await rejects(readChannelAttribution(head + ' > ;1;2;0\n'), 'path', 2, /no channel/);
    await rejects(readChannelAttribution(head + 'a;0;2;1\n'), 'total_conversion_value', 2, /without conversions/);
    await rejects(readChannelAttribution('channel;conversions\na;1\n'), 'header', 1, /expected the header path;total_conversions/);
    await assert.rejects(readChannelAttribution(''), /empty/);
  });
});

const ev = (o: Record<string, unknown>) => JSON.stringify({ type: 'track', properties: {}, ...o });

describe('Omnis event export reader', () => {
  it('builds one path per conversion from the touches before it, and a null path from the rest', async () => {
    const lines = [
      ev({ event: 'Email Opened', channel: 'email', timestamp: T0, profileId: 'p1' }),
      ev({ type: 'page', event: 'Home', channel: 'web', timestamp: new Date(T0 + DAY).toISOString(), profileId: 'p1' }),
      ev({ type: 'identify', channel: 'web', timestamp: T0 + DAY, profileId: 'p1' }),
      ev({ event: 'Order Completed', channel: 'web', timestamp: T0 + 2 * DAY, profileId: 'p1', properties: { revenue: 120 } }),
      ev({ event: 'Push Opened', channel: 'push', timestamp: T0 + 3 * DAY, profileId: 'p1' }),
      ev({ event: 'Order Completed', channel: 'pos', timestamp: T0 + 4 * DAY, profileId: 'p1', properties: { total: '35.5' } }),
      ev({ event: 'Email Opened', channel: 'email', timestamp: T0 + 5 * DAY, profileId: 'p1' }),
      ev({ event: 'Ad Clicked', channel: 'ads', timestamp: T0, anonymousId: 'anon-2' }),
      ev({ event: 'Ad Clicked', channel: 'ads', timestamp: T0 + DAY, userId: 'u3', properties: { direct: true } }),
    ];
    const paths = await readEventExport(lines.join('\n'));
    assert.deepEqual(paths, [
      { touches: [{ channel: 'email', at: T0 }, { channel: 'web', at: T0 + DAY }], conversions: 1, value: 120, nulls: 0 },
      { touches: [{ channel: 'push', at: T0 + 3 * DAY }], conversions: 1, value: 35.5, nulls: 0 },
      { touches: [{ channel: 'email', at: T0 + 5 * DAY }], conversions: 0, value: 0, nulls: 1 },
      { touches: [{ channel: 'ads', at: T0 }], conversions: 0, value: 0, nulls: 1 },
      { touches: [{ channel: 'ads', at: T0 + DAY, direct: true }], conversions: 0, value: 0, nulls: 1 },
    ]);
  });

  it('sorts each person\'s events by time and keeps only touches within the lookback', async () => {
    const lines = [
      ev({ event: 'Order Completed', channel: 'web', timestamp: T0 + 40 * DAY, profileId: 'p', properties: { revenue: 10 } }),
      ev({ event: 'Ad Clicked', channel: 'ads', timestamp: T0 + 20 * DAY, profileId: 'p' }),
      ev({ event: 'Email Opened', channel: 'email', timestamp: T0, profileId: 'p' }),
    ];
    assert.deepEqual((await readEventExport(lines.join('\n')))[0].touches.map(t => t.channel), ['ads']);
    assert.deepEqual((await readEventExport(lines.join('\n'), { lookbackMs: 50 * DAY }))[0].touches.map(t => t.channel), ['email', 'ads']);
  });

  it('gives a conversion with no touch its own channel, or direct', async () => {
    const lines = [
      ev({ event: 'Order Completed', channel: 'pos', timestamp: T0, profileId: 'p', properties: { revenue: 99 } }),
      ev({ event: 'Order Completed', timestamp: T0, profileId: 'q' }),
    ];
    assert.deepEqual(await readEventExport(lines.join('\n')), [
      { touches: [{ channel: 'pos', at: T0 }], conversions: 1, value: 99, nulls: 0 },
      { touches: [{ channel: 'direct', at: T0 }], conversions: 1, value: 0, nulls: 0 },
    ]);
  });

  it('takes another conversion event name', async () => {
    const lines = [
      ev({ event: 'Email Opened', channel: 'email', timestamp: T0, profileId: 'p' }),
      ev({ event: 'Signed Up', channel: 'web', timestamp: T0 + 1, profileId: 'p' }),
    ];
    const paths = await readEventExport(lines.join('\n'), { conversionEvent: 'Signed Up' });
    assert.deepEqual(paths.map(p => [p.touches.map(t => t.channel), p.conversions]), [[['email'], 1]]);
  });

  it('names the line of a bad event', async () => {
    const ok = ev({ event: 'x', channel: 'web', timestamp: T0, profileId: 'p' });
    await rejects(readEventExport(`${ok}\n{nope`), 'event', 2, /not valid JSON/);
    await rejects(readEventExport(`${ok}\n[1]`), 'event', 2, /JSON object/);
    await rejects(readEventExport(ev({ event: 'x', channel: 'web', timestamp: T0 })), 'profileId', 1, /profileId, userId or anonymousId/);
    await rejects(readEventExport(ev({ event: 'x', channel: 'web', timestamp: 'soon', profileId: 'p' })), 'timestamp', 1, /ISO date/);
    await rejects(readEventExport(`${ok}\n\n${ev({ event: 'Order Completed', timestamp: T0, profileId: 'p', properties: { revenue: 'lots' } })}`), 'properties.revenue', 3, /got "lots"/);
  });
});
