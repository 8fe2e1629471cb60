import { Worker, type MessagePort } from 'node:worker_threads';
import { OmnisError, type ErrorKind } from '../shared/index.ts';
import type { Db, Tx } from './types.ts';
import type { Request, Reply, WireError } from './pglite-wire.ts';

/** A request without its id (distributes over the union, so each op keeps its own fields). */
type WithoutId<R> = R extends unknown ? Omit<R, 'id'> : never;
type Op = WithoutId<Request>;

/**
 * Embedded PGlite on a thread of its own. PGlite runs every statement synchronously on the
 * thread that owns it, so on the API's thread a 30 ms pipeline statement held up every HTTP
 * request for 30 ms. Here the API's event loop runs while the database works. A request that
 * needs the database still waits for its one connection, but a tracking request answered from
 * the accept journal (bus/journal.ts) needs none: with both, the ingest benchmark's accept p50
 * at 5,000 events/s fell from 60 ms to 5 ms on PGlite.
 */
export async function openPgliteThread(dataDir: string): Promise<Db> {
  const worker = new Worker(new URL('./pglite-host.mjs', import.meta.url), { workerData: { dataDir } });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let gone: Error | null = null;
  // The thread keeps the process alive only while a request waits for it, like a socket would.
  const ref = () => (waiting.size ? worker.ref() : worker.unref());

  const settle = (r: Reply) => {
    const w = waiting.get(r.id);
    if (!w) return;
    waiting.delete(r.id);
    ref();
    if (r.ok) w.resolve(r.value); else w.reject(unwire(r.error));
  };
  const fail = (e: Error) => {
    gone = e;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
    ref();
  };
  worker.on('message', settle);
  worker.on('error', fail);
  worker.on('exit', code => fail(new Error(`the PGlite thread exited (code ${code})`)));

  const call = <T>(op: Op): Promise<T> => new Promise<T>((resolve, reject) => {
    if (gone) return reject(gone);
    const id = nextId++;
    waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
    ref();
    worker.postMessage({ ...op, id } as Request);
  });
  // The open is answered as request 0.
  await new Promise<unknown>((resolve, reject) => { waiting.set(0, { resolve, reject }); ref(); });

  const q = (tx?: number): Tx => ({
    query: <T>(sql: string, params?: unknown[]) => call<T[]>({ op: 'query', sql, params, tx }),
    exec: (sql: string) => call<void>({ op: 'exec', sql, tx }),
  });
  return {
    kind: 'pglite',
    ...q(),
    async transaction(fn) {
      const tx = await call<number>({ op: 'begin' });
      let result;
      try {
        result = await fn(q(tx));
      } catch (e) {
        await call({ op: 'end', tx, commit: false }).catch(() => {});
        throw e;
      }
      await call({ op: 'end', tx, commit: true });
      return result;
    },
    startGuest: (entry: URL, data: unknown) => call<MessagePort>({ op: 'guest', entry: entry.href, data }),
    async close() {
      if (gone) return;
      const exited = new Promise(r => worker.once('exit', r));
      await call({ op: 'close' });
      worker.ref();
      await exited;
    },
  };
}

/** The error as the owning thread's code expects it: a domain error keeps its kind, a Postgres error its code. */
function unwire(w: WireError): Error {
  if (w.name === 'OmnisError' && typeof w.props.kind === 'string') return new OmnisError(w.props.kind as ErrorKind, w.message);
  const e = Object.assign(new Error(w.message), w.props);
  e.name = w.name;
  return e;
}
