import { MessageChannel, MessagePort, parentPort, workerData } from 'node:worker_threads';
import { openPglite } from './pglite.ts';
import type { Db, GuestArgs, Tx } from './types.ts';
import type { Request, Reply, WireError } from './pglite-wire.ts';

/**
 * The thread that owns an embedded PGlite (see pglite-thread.ts). It runs each request in
 * arrival order on the one connection; a transaction stays open across requests until the
 * owning thread ends it.
 */
const port = parentPort!;
const { dataDir } = workerData as { dataDir: string };
const ROLLBACK = Symbol('rollback');

const wire = (e: unknown): WireError => {
  const err = e as Error & Record<string, unknown>;
  const out: WireError = { name: err?.name ?? 'Error', message: err?.message ?? String(e), props: {} };
  // Postgres error fields (code, constraint, detail...) and a domain error's kind travel as plain values.
  for (const [k, v] of Object.entries(err ?? {})) if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out.props[k] = v;
  return out;
};
// A guest's port is handed over (transferred), not copied.
const reply = (r: Reply) => port.postMessage(r, r.ok && r.value instanceof MessagePort ? [r.value] : []);

let db: Awaited<ReturnType<typeof openPglite>>;
try {
  db = await openPglite(dataDir, { yieldEach: false });
} catch (e) {
  reply({ id: 0, ok: false, error: wire(e) });
  process.exit(0);
}
reply({ id: 0, ok: true, value: null });

/**
 * The Db a guest is given: the thread's one connection, so its statements queue with the
 * owning thread's requests. Each first lets the event loop take its turn: a guest that keeps
 * statements coming (the pipeline) would otherwise hold off the owning thread's requests,
 * which arrive as messages, until it ran out of work (see pglite.ts).
 */
function yielding(base: Db): Db {
  const turn = () => new Promise<void>(r => setImmediate(r));
  const wrap = (t: Tx): Tx => ({
    async query<T>(sql: string, params?: unknown[]) { await turn(); return t.query<T>(sql, params); },
    async exec(sql: string) { await turn(); return t.exec(sql); },
  });
  return { ...base, ...wrap(base), transaction: fn => base.transaction(tx => fn(wrap(tx))), close: () => Promise.reject(new Error('the PGlite thread closes its database itself')) };
}

const open = new Map<number, { tx: Tx; end: (commit: boolean) => void; done: Promise<unknown> }>();
let nextTx = 1;

port.on('message', (m: Request) => {
  void handle(m).then(value => reply({ id: m.id, ok: true, value }), e => reply({ id: m.id, ok: false, error: wire(e) }));
});

async function handle(m: Request): Promise<unknown> {
  // PGlite itself runs a transaction's statements before its end, awaited or not (tested).
  const conn = (t?: number) => {
    if (t === undefined) return db;
    const o = open.get(t);
    if (!o) throw new Error(`transaction ${t} is not open`);
    return o.tx;
  };
  switch (m.op) {
    case 'query': return conn(m.tx).query(m.sql, m.params);
    case 'exec': return conn(m.tx).exec(m.sql);
    case 'begin': {
      const t = nextTx++;
      return new Promise<number>((opened, failed) => {
        const done = db.transaction(tx => new Promise((commit, rollback) => {
          open.set(t, { tx, done, end: c => (c ? commit(undefined) : rollback(ROLLBACK)) });
          opened(t);
        }));
        done.catch(e => { if (!open.has(t)) failed(e); });
      });
    }
    case 'end': {
      const o = open.get(m.tx);
      if (!o) throw new Error(`transaction ${m.tx} is not open`);
      open.delete(m.tx);
      o.end(m.commit);
      try { await o.done; } catch (e) { if (e !== ROLLBACK) throw e; }
      return null;
    }
    case 'guest': {
      const { port1, port2 } = new MessageChannel();
      const mod = (await import(m.entry)) as { default: (args: GuestArgs) => Promise<void> };
      await mod.default({ db: yielding(db), port: port1, data: m.data });
      return port2;
    }
    case 'close': {
      await db.close();
      setImmediate(() => process.exit(0));
      return null;
    }
  }
}
