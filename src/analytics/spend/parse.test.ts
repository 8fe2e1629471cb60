import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OmnisError } from '../../shared/index.ts';
import { parseSpendCsv, parseSpendRows } from './parse.ts';

const fieldOf = (run: () => unknown) => { try { run(); return null; } catch (e) { return (e as OmnisError).field; } };

test('CSV exports: BOM, quotes, semicolons, header aliases and optional columns', () => {
  assert.deepEqual(parseSpendCsv('\uFEFFDate,Channel,Cost,Currency,Campaign\n2026-02-01,paid_search,1.5,eur,"Brand, exact"\n'), [
    { day: '2026-02-01', channel: 'paid_search', amount: 1.5, currency: 'EUR', campaign: 'Brand, exact' },
  ]);
  assert.deepEqual(parseSpendCsv('date;channel;spend\n2026-02-01T00:00:00Z;email;20\n'), [{ day: '2026-02-01', channel: 'email', amount: 20, currency: null, campaign: '' }]);
  assert.deepEqual(parseSpendCsv('channel,amount,date\nsms,0,2026-02-03\n').map(r => [r.channel, r.amount, r.day]), [['sms', 0, '2026-02-03']]);
});

test('bad rows are refused naming their line or index and the column', () => {
  assert.equal(fieldOf(() => parseSpendCsv('channel,amount\nemail,3\n')), 'csv');
  assert.equal(fieldOf(() => parseSpendCsv('date,channel,amount\n2026-02-01,email,3\n\n2026-02-02,Email Blast,3\n')), 'line 4.channel');
  assert.equal(fieldOf(() => parseSpendCsv('date,channel,amount\n2026-02-01,email,abc\n')), 'line 2.amount');
  assert.equal(fieldOf(() => parseSpendCsv('date,channel,amount\n')), 'rows');
  assert.equal(fieldOf(() => parseSpendRows([{ date: '2026-02-01', channel: 'email', amount: 1, currency: 'euro' }])), 'rows.0.currency');
  assert.equal(fieldOf(() => parseSpendRows([{ date: '2026-02-01', channel: 'email', amount: 1 }, { date: 'Feb 2', channel: 'email', amount: 1 }])), 'rows.1.date');
  assert.equal(fieldOf(() => parseSpendRows([{ date: '2026-02-01', channel: 'email', amount: -1 }])), 'rows.0.amount');
  assert.equal(fieldOf(() => parseSpendRows([{ date: '2026-02-30', channel: 'email', amount: 1 }])), 'rows.0.date');
});
