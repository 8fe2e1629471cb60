import { OmnisError, envFlag } from '../shared/index.ts';
import { openStore, type Db } from '../store/index.ts';

/**
 * Opens the configured store (DATABASE_URL, else PGlite in OMNIS_DATA_DIR) with a clear message
 * when the folder is taken. `thread`: PGlite on its own thread (the server with the accept journal).
 */
export async function openConfiguredStore(opts: { thread?: boolean } = {}): Promise<Db> {
  // A setting refused (OMNIS_PG_PREPARED_STATEMENTS=yes) is told by name, not as a stack trace.
  try { return await openStore({ thread: opts.thread }); } catch (e) { if (e instanceof OmnisError) fail(e.message); throw e; }
}

export const dataDir = () => process.env.OMNIS_DATA_DIR ?? './.omnis';
export const usingPostgres = () => Boolean(process.env.DATABASE_URL);
/**
 * Embedded mode only, off by default (OMNIS_ACCEPT_JOURNAL=1): tracking requests are answered
 * from the accept journal in the data folder, and PGlite runs on its own thread with the
 * pipeline beside it. Accepting no longer waits for the database (on a 2-core machine at 5,000
 * events/s, accept p99 11-16 ms against 128 ms without it), and the pipeline takes larger
 * batches (see createOmnis), but every event takes one more hop into the log: event → journey
 * message p99 80-89 ms at 1,000 events/s, against 29 ms without the journal (BENCHMARKS.md).
 * For bursty, high-volume tracking; leave it off where journeys must react fastest.
 */
export const acceptJournal = (): boolean => parseAcceptJournal(process.env);

/** OMNIS_ACCEPT_JOURNAL as set: 0, 1 or unset; 1 only with embedded storage. */
export function parseAcceptJournal(env: Record<string, string | undefined>): boolean {
  const on = envFlag(env, 'OMNIS_ACCEPT_JOURNAL', false);
  if (on && env.DATABASE_URL) throw new OmnisError('invalid', 'applies to embedded storage only, and DATABASE_URL is set: unset one of them', 'OMNIS_ACCEPT_JOURNAL');
  return on;
}

export function fail(message: string, code = 2): never {
  process.stderr.write(`omnis: ${message}\n`);
  process.exit(code);
}
