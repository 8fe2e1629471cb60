import { OmnisError } from '../shared/index.ts';
import { openStore, type Db } from '../store/index.ts';

/**
 * Opens the configured store (DATABASE_URL, else PGlite in OMNIS_DATA_DIR) with a clear message
 * when the folder is taken. `thread`: PGlite on its own thread (the server with the accept journal).
 */
export async function openConfiguredStore(opts: { thread?: boolean } = {}): Promise<Db> {
  return openStore({ thread: opts.thread });
}

export const dataDir = () => process.env.OMNIS_DATA_DIR ?? './.omnis';
export const usingPostgres = () => Boolean(process.env.DATABASE_URL);
/**
 * Embedded mode only, off by default (OMNIS_ACCEPT_JOURNAL=1): tracking requests are answered
 * from the accept journal in the data folder, and PGlite runs on its own thread with the
 * pipeline beside it. Accepting no longer waits for the database (accept p50 5 ms instead of
 * 220 ms at 5,000 events/s on a loaded 2-core machine), but every event takes one more hop into
 * the log: event → journey message p99 was 114-166 ms at 1,000 events/s, where without the
 * journal it was 27-48 ms (on a faster machine). For bursty, high-volume tracking; leave it off for
 * real-time journeys.
 */
export const acceptJournal = (): boolean => parseAcceptJournal(process.env);

/** OMNIS_ACCEPT_JOURNAL as set: 0, 1 or unset; 1 only with embedded storage. */
export function parseAcceptJournal(env: Record<string, string | undefined>): boolean {
  const v = env.OMNIS_ACCEPT_JOURNAL ?? '';
  if (v !== '' && v !== '0' && v !== '1') throw new OmnisError('invalid', `must be 0 or 1, got "${v}"`, 'OMNIS_ACCEPT_JOURNAL');
  if (v === '1' && env.DATABASE_URL) throw new OmnisError('invalid', 'applies to embedded storage only, and DATABASE_URL is set: unset one of them', 'OMNIS_ACCEPT_JOURNAL');
  return v === '1';
}

export function fail(message: string, code = 2): never {
  process.stderr.write(`omnis: ${message}\n`);
  process.exit(code);
}
