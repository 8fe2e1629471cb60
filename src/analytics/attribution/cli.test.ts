import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runAttributionCli } from './cli.ts';
import { MODEL_NAMES } from './types.ts';

const DATA = '/work/shared/data/attribution/channelattribution-Data.csv';

async function cli(args: string[], files?: Record<string, string>) {
  let out = '';
  let err = '';
  const code = await runAttributionCli(args, {
    stdout: s => { out += s; },
    stderr: s => { err += s; },
    ...(files ? { readFile: async (p: string) => { if (!(p in files)) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' }); return files[p]; } } : {}),
  });
  return { code, out, err };
}

const SMALL = 'path;total_conversions;total_conversion_value;total_null\na > b;1;10;1\na;0;0;1\nb;1;30;0\n';

describe('omnis attribution', () => {
  it('prints Markov order 2 on the ChannelAttribution file, streamed from disk, in the documented JSON shape', async () => {
    const { code, out, err } = await cli([DATA, '--model', 'markov', '--order', '2', '--nulls', '--format', 'json']);
    assert.equal(code, 0, err);
    const json = JSON.parse(out) as { models: { model: string; order: number; channels: Record<string, unknown>[] }[] };
    assert.deepEqual(Object.keys(json), ['models']);
    assert.equal(json.models.length, 1);
    assert.deepEqual(Object.keys(json.models[0]), ['model', 'order', 'channels']);
    assert.equal(json.models[0].model, 'markov');
    assert.equal(json.models[0].order, 2);
    for (const c of json.models[0].channels) assert.deepEqual(Object.keys(c), ['channel', 'conversions', 'value', 'removalEffect']);
    const total = json.models[0].channels.reduce((a, c) => a + (c.conversions as number), 0);
    assert.ok(Math.abs(total - 19_785) < 1e-6);
  });

  it('runs every model with --model all, as CSV', async () => {
    const { code, out } = await cli(['data.csv', '--model', 'all', '--format', 'csv'], { 'data.csv': SMALL });
    assert.equal(code, 0);
    const lines = out.trim().split('\n');
    assert.equal(lines[0], 'model,order,channel,conversions,value,removalEffect');
    assert.equal(lines.length, 1 + MODEL_NAMES.length * 2);
    assert.deepEqual([...new Set(lines.slice(1).map(l => l.split(',')[0]))], [...MODEL_NAMES]);
    // Hand-checked in markov.test.ts: without nulls a gets 2/3 and b 4/3.
    const a = lines.find(l => l.startsWith('markov,1,a,'))!.split(',');
    assert.ok(Math.abs(Number(a[3]) - 2 / 3) < 1e-12);
    assert.equal(lines.find(l => l.startsWith('first,,a,')), 'first,,a,1,10,');
  });

  it('takes a comma-separated list of models and the model options', async () => {
    const { code, out } = await cli(['d.csv', '--model', 'position,shapley', '--position', '0.5,0,0.5', '--shapley', 'simplified'], { 'd.csv': SMALL });
    assert.equal(code, 0);
    assert.deepEqual((JSON.parse(out) as { models: { model: string }[] }).models.map(m => m.model), ['position', 'shapley']);
  });

  it('reads an Omnis event export, told apart by its first character', async () => {
    const events = [
      { type: 'track', event: 'Email Opened', channel: 'email', timestamp: 1_000, profileId: 'p' },
      { type: 'track', event: 'Order Completed', channel: 'web', timestamp: 2_000, profileId: 'p', properties: { revenue: 80 } },
    ].map(e => JSON.stringify(e)).join('\n');
    const { code, out } = await cli(['events.jsonl', '--model', 'first'], { 'events.jsonl': events });
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(out), { models: [{ model: 'first', channels: [{ channel: 'email', conversions: 1, value: 80 }] }] });
  });

  it('streams an event export from disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'omnis-attr-'));
    try {
      const file = join(dir, 'export.jsonl');
      await writeFile(file, JSON.stringify({ type: 'track', event: 'Order Completed', channel: 'pos', timestamp: '2026-01-01T10:00:00Z', userId: 'u', properties: { total: 12 } }) + '\n');
      const { code, out } = await cli([file, '--model', 'last', '--format', 'csv']);
      assert.equal(code, 0);
      assert.equal(out, 'model,order,channel,conversions,value,removalEffect\nlast,,pos,1,12,\n');
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('adds spend, ROAS and cost per conversion with --spend', async () => {
    const { code, out } = await cli(['d.csv', '--model', 'last', '--spend', 's.csv', '--format', 'csv'], { 'd.csv': SMALL, 's.csv': 'channel,amount\nb,20\n' });
    assert.equal(code, 0);
    assert.match(out, /^model,order,channel,conversions,value,removalEffect,spend,roas,costPerConversion\n/);
    assert.match(out, /\nlast,,b,2,40,,20,2,10\n/);
  });

  it('prints help', async () => {
    const { code, out } = await cli(['--help']);
    assert.equal(code, 0);
    assert.match(out, /Usage: omnis attribution FILE/);
  });

  for (const [args, message] of [
    [['d.csv', '--bogus'], /Unknown option '--bogus'/],
    [[], /missing FILE/],
    [['d.csv', 'e.csv'], /expected one FILE/],
    [['d.csv', '--format', 'xml'], /--format: expected json or csv/],
    [['d.csv', '--model', 'magic'], /--model: unknown model "magic"/],
    [['d.csv', '--order', 'two'], /--order: expected a whole number/],
    [['d.csv', '--order', '0'], /order: expected an integer ≥ 1/],
    [['d.csv', '--half-life', 'soon'], /--half-life: expected a duration/],
    [['d.csv', '--position', '1,2'], /--position: expected three weights/],
    [['d.csv', '--shapley', 'guess'], /shapleyMethod: expected one of/],
    [['missing.csv'], /cannot read missing.csv: no such file/],
    [['d.csv', '--spend', 'nope.csv'], /cannot read nope.csv: no such file/],
    [['bad.csv'], /bad\.csv: total_null: line 3: expected a number ≥ 0, got "-2"/],
  ] as const) {
    it(`exits 2 on ${args.join(' ') || 'no arguments'}`, async () => {
      const { code, out, err } = await cli([...args], { 'd.csv': SMALL, 'e.csv': SMALL, 'bad.csv': SMALL.replace('a;0;0;1', 'a;0;0;-2') });
      assert.equal(code, 2);
      assert.equal(out, '');
      assert.match(err, message);
    });
  }

  it('exits 2 on a file missing from disk', async () => {
    const { code, err } = await cli(['/nonexistent/paths.csv']);
    assert.equal(code, 2);
    assert.match(err, /cannot read \/nonexistent\/paths.csv: no such file/);
  });
});
