/**
 * Reads a large result in chunks through a server-side cursor, so a report over ten
 * million events holds one chunk of rows in Node at a time rather than all of them.
 */
import type { Db } from '../store/index.ts';

export const CHUNK_ROWS = 10_000;

export async function streamQuery<T>(db: Db, sql: string, params: unknown[], onChunk: (rows: T[]) => void, chunkRows = CHUNK_ROWS): Promise<void> {
  // The cursor lives in a transaction, which also pins one pooled connection for the fetches.
  await db.transaction(async tx => {
    // A cursor makes the planner favour the first rows (fraction 0.1): nested loops over
    // millions of events. These reports always read to the end.
    await tx.query('set local cursor_tuple_fraction = 1.0');
    // Sorting a profile's events by time is most of the work; let it stay in memory longer.
    await tx.query(`set local work_mem = '64MB'`);
    await tx.query(`declare analytics_rows no scroll cursor for ${sql}`, params);
    for (;;) {
      const rows = await tx.query<T>(`fetch forward ${chunkRows} from analytics_rows`);
      if (rows.length) onChunk(rows);
      if (rows.length < chunkRows) break;
    }
    await tx.query('close analytics_rows');
  });
}
