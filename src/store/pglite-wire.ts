/** The messages between the owning thread and the PGlite thread (pglite-thread.ts, pglite-host.ts). */
export type Request =
  | { id: number; op: 'query'; sql: string; params?: unknown[]; tx?: number }
  | { id: number; op: 'exec'; sql: string; tx?: number }
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'guest'; entry: string; data: unknown }
  | { id: number; op: 'close' };

export interface WireError { name: string; message: string; props: Record<string, string | number | boolean | null> }

/** id 0 answers the open. */
export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };
