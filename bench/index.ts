import os from 'node:os';

/**
 * `npm run bench [name...]`: runs the named benchmarks (default all) and prints each
 * figure, as a ratio against a baseline measured in the same run where there is one.
 */
const all: Record<string, () => Promise<{ default: (report: (l: string) => void) => Promise<void> }>> = {
  ingest: () => import('./ingest.ts'),
  attribution: () => import('./attribution.ts'),
  'attribution-store': () => import('./attribution-store.ts'),
  segments: () => import('./segments.ts'),
  journeys: () => import('./journeys.ts'),
  dispatch: () => import('./dispatch.ts'),
};
const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(all);
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString()}`);
for (const n of names) if (!all[n]) { console.error(`unknown benchmark ${n}; have ${Object.keys(all).join(', ')}`); process.exit(2); }
// Loaded first, all of them: each declares its parts, against which BENCH_PARTS is checked.
const loaded = await Promise.all(names.map(n => all[n]()));
for (const m of loaded) await m.default(line => console.log(line));
