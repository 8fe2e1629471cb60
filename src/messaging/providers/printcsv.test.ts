import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { csvField, PRINT_COLUMNS, printBatchCsv, printCsvProvider, printCsvSettings } from './printcsv.ts';
import { OmnisError } from '../../shared/index.ts';
import { ProviderError, type OutboundMessage, type Provider } from './types.ts';

const root = await mkdtemp(join(tmpdir(), 'omnis-printcsv-'));
after(() => rm(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `d${++dirs}`);

const letter = (id: string, over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  id, idempotencyKey: `k-${id}`, channel: 'direct_mail',
  to: { name: 'Ada Lovelace', address: { line1: '12 "Analytical" Row', line2: 'Flat 3, Floor 2', city: 'London', postalCode: 'W1 1AA', country: 'gb' } },
  content: { html: '<p>Dear Ada,\r\nyour offer:</p>', text: '=1+1' }, metadata: { campaign: 'spring' }, ...over,
});

test('RFC 4180 quoting', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField('cr\r'), '"cr\r"');
});

test('printBatchCsv: header, one row per letter, round-trips through a CSV parser', () => {
  const csv = printBatchCsv([letter('m1'), letter('m2', { content: { front: 'F', back: 'B' }, metadata: undefined })]);
  assert.ok(csv.startsWith(`${PRINT_COLUMNS.join(',')}\r\n`));
  const rows = parse(csv) as string[][];
  assert.equal(rows.length, 3);
  const r = Object.fromEntries(PRINT_COLUMNS.map((c, i) => [c, rows[1][i]]));
  assert.deepEqual(r, {
    message_id: 'm1', name: 'Ada Lovelace', address_line1: '12 "Analytical" Row', address_line2: 'Flat 3, Floor 2', city: 'London', state: '',
    postal_code: 'W1 1AA', country: 'GB', front: '', back: '', html: '<p>Dear Ada,\r\nyour offer:</p>', text: '=1+1', metadata: '{"campaign":"spring"}',
  });
  assert.deepEqual([rows[2][8], rows[2][9], rows[2][12]], ['F', 'B', '']);
  assert.throws(() => printBatchCsv([letter('m3'), letter('m4', { to: { name: 'x' } })]), (e: unknown) => e instanceof OmnisError && e.field === 'messages.1.to.address');
});

function provider(dir: string, now: () => number, over: Record<string, unknown> = {}): Provider {
  return printCsvProvider.create(printCsvSettings.parse({ dir, ...over }), { now }) as Provider;
}

test('appends to the day file, idempotent per message id, even across restarts', async () => {
  const dir = freshDir();
  let t = Date.parse('2026-03-01T10:00:00Z');
  const p = provider(dir, () => t);
  assert.deepEqual(await p.send(letter('m1')), { providerMessageId: 'print-batch-2026-03-01.csv#m1' });
  await p.send(letter('m2'));
  await p.send(letter('m1'));
  // A new process (no memory) re-sending m2 still adds nothing.
  await provider(dir, () => t).send(letter('m2'));
  await Promise.all([p.send(letter('m3')), p.send(letter('m4')), p.send(letter('m3'))]);
  const rows = parse(await readFile(join(dir, 'print-batch-2026-03-01.csv'), 'utf8')) as string[][];
  assert.deepEqual(rows.map(r => r[0]), ['message_id', 'm1', 'm2', 'm3', 'm4']);
  t = Date.parse('2026-03-02T00:30:00Z');
  await p.send(letter('m5'));
  assert.deepEqual((await readdir(dir)).sort(), ['print-batch-2026-03-01.csv', 'print-batch-2026-03-02.csv']);
});

test('the day follows settings.timeZone', async () => {
  const dir = freshDir();
  const p = provider(dir, () => Date.parse('2026-03-01T23:30:00Z'), { timeZone: 'Europe/Berlin', filePrefix: 'acme' });
  assert.equal((await p.send(letter('m1'))).providerMessageId, 'acme-2026-03-02.csv#m1');
  assert.throws(() => provider(dir, Date.now, { timeZone: 'Mars/Olympus' }), (e: unknown) => e instanceof OmnisError && e.field === 'timeZone');
});

test('a row torn by a crash is cut off, and the message is written again whole', async () => {
  const dir = freshDir();
  const now = () => Date.parse('2026-03-01T10:00:00Z');
  await provider(dir, now).send(letter('m1'));
  const path = join(dir, 'print-batch-2026-03-01.csv');
  const good = await readFile(path, 'utf8');
  await writeFile(path, `${good}m2,Ada,"12 Row`); // the process died mid-write
  await provider(dir, now).send(letter('m2'));
  const rows = parse(await readFile(path, 'utf8')) as string[][];
  assert.deepEqual(rows.map(r => r[0]), ['message_id', 'm1', 'm2']);
  assert.equal(rows[2][2], '12 "Analytical" Row');
});

test('no address is not retryable; an unwritable folder is retryable', async () => {
  const p = provider(freshDir(), Date.now);
  await assert.rejects(p.send(letter('m1', { to: { name: 'x' } })), (e: unknown) => e instanceof ProviderError && !e.retryable && e.opts.code === 'no_recipient');
  const file = join(root, 'a-file');
  await writeFile(file, 'x');
  await assert.rejects(provider(join(file, 'sub'), Date.now).send(letter('m1')), (e: unknown) => e instanceof ProviderError && e.retryable && e.opts.code === 'io');
});
