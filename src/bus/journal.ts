import { mkdirSync, readdirSync, statSync, openSync, readSync, closeSync, ftruncateSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../store/index.ts';
import type { OmnisEvent } from '../shared/index.ts';
import { eventToInsert, insertToEvent, seqTaker, INSERT_EVENTS_SQL } from './rows.ts';
import type { Appended, EventLog } from './log.ts';

type Row = ReturnType<typeof eventToInsert>;
interface Waiter { line: Buffer; count: number; resolve: () => void; reject: (e: unknown) => void }

export interface JournalOptions {
  /** A segment file is closed and a new one begun past this size. Default 64 MiB. */
  segmentBytes?: number;
  /** Bytes the mover reads and moves in one transaction at most. Default 4 MiB. */
  moveBytes?: number;
  onError?: (e: unknown) => void;
}

const JOURNAL_ID = 'accept';
const NAME = /^(\d{16})\.log$/;
const nameOf = (base: number) => `${String(base).padStart(16, '0')}.log`;

/**
 * The accept journal of embedded mode. On PGlite an append waited for the one connection,
 * which the pipeline's transactions hold for tens of milliseconds, so accept latency grew with
 * the pipeline's load. Here an accepted request is one line in a file of the data folder,
 * answered once the line is on disk (written and fdatasync'd, group-committed across the
 * requests waiting meanwhile). A mover then reads the lines back in order and inserts their
 * events into the log, committing the byte position it moved up to in the same transaction:
 * after a crash the journal is moved on from exactly there, and a torn last line (never
 * answered) is cut off. Positions run across segment files named by their first byte's
 * position; a segment is deleted once moved.
 *
 * Written by hand: no journal library on npm offers group-committed fdatasync and a position
 * that commits with a Postgres transaction.
 */
export class AcceptJournal {
  private handle: FileHandle | null = null;
  /** The segment being written: its first byte's position and its size. */
  private base = 0;
  private size = 0;
  /** The segments before it that still hold lines not moved, oldest first. */
  private older: Segment[] = [];
  /** Moved into the log up to here (a position). */
  private moved = 0;
  private queue: Waiter[] = [];
  private flushing: Promise<void> | null = null;
  private written = 0;
  private movedCount = 0;
  private moving: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private drainWaiters: (() => void)[] = [];
  private readonly segmentBytes: number;
  private readonly moveBytes: number;

  constructor(private dir: string, private db: Db, private log: EventLog, private opts: JournalOptions = {}) {
    this.segmentBytes = opts.segmentBytes ?? 64 * 2 ** 20;
    this.moveBytes = opts.moveBytes ?? 4 * 2 ** 20;
  }

  /** Cuts a torn tail, moves what an earlier run journaled but did not move, and opens for writing. */
  async open(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const rows = await this.db.query<{ position: number }>('select position from accept_journal where id = $1', [JOURNAL_ID]);
    this.moved = Number(rows[0]?.position ?? 0);
    const segments = listSegments(this.dir);
    // The database lost its position (a new pgdata beside an old journal): whatever the journal
    // still holds was never moved into this database; dedupe by messageId covers the rest.
    if (segments.length && this.moved < segments[0].base) this.moved = segments[0].base;
    const last = segments[segments.length - 1];
    if (last) {
      last.size = cutTornTail(join(this.dir, nameOf(last.base)), last.size);
      this.base = last.base;
      this.size = last.size;
    }
    this.older = segments.slice(0, -1);
    // The journal lost its files, or never had any: begin where the log says moving ended.
    if (!last || this.base + this.size < this.moved) {
      this.older = segments;
      this.base = this.moved;
      this.size = 0;
      this.dropMovedSegments();
    }
    this.handle = await open(join(this.dir, nameOf(this.base)), 'a');
    await this.moveAll();
  }

  /** Resolves once the events are durable in the journal; they reach the log shortly after. */
  accept(workspaceId: string, events: OmnisEvent[]): Promise<void> {
    if (!events.length) return Promise.resolve();
    if (this.closed || !this.handle) return Promise.reject(new Error('the accept journal is closed'));
    const line = Buffer.from(JSON.stringify(events.map(e => eventToInsert(workspaceId, e))) + '\n');
    return new Promise((resolve, reject) => {
      this.queue.push({ line, count: events.length, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Events journaled and not yet in the log. */
  pending(): number { return this.written - this.movedCount; }

  /** Resolves when every event journaled so far is in the log. */
  drained(): Promise<void> {
    if (this.pending() === 0) return Promise.resolve();
    return new Promise(r => this.drainWaiters.push(r));
  }

  /** Stops accepting; what was accepted is moved into the log first (or, if that fails, on the next open). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flushing;
    await this.moving;
    try { await this.moveAll(); } catch (e) { this.opts.onError?.(e); }
    await this.handle?.close();
    this.handle = null;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length) {
        const take = this.queue.splice(0);
        const buf = Buffer.concat(take.map(w => w.line));
        try {
          await this.handle!.write(buf);
          await this.handle!.datasync();
        } catch (e) {
          // A part may have reached the file (a full disk): cut it, so later lines follow whole ones.
          await this.handle!.truncate(this.size).catch(() => {});
          take.forEach(w => w.reject(e));
          continue;
        }
        this.size += buf.length;
        for (const w of take) { this.written += w.count; w.resolve(); }
        if (this.size >= this.segmentBytes) await this.roll();
        this.kick();
      }
    } finally { this.flushing = null; }
  }

  /** Begins a new segment where this one ends. */
  private async roll() {
    await this.handle!.close();
    this.older.push({ base: this.base, size: this.size });
    this.base += this.size;
    this.size = 0;
    this.handle = await open(join(this.dir, nameOf(this.base)), 'a');
  }

  private kick() {
    if (this.closed) return;
    if (this.moving) { this.again = true; return; }
    this.moving = (async () => {
      try {
        do { this.again = false; await this.moveAll(); } while (this.again && !this.closed);
      } catch (e) {
        this.opts.onError?.(e);
        // The lines stay in the journal; try again shortly.
        setTimeout(() => this.kick(), 1000).unref();
      } finally { this.moving = null; }
    })();
  }

  private async moveAll() {
    while (this.moved < this.base + this.size) {
      const [lines, to] = this.read(this.moved);
      if (to === this.moved) break;
      const rows: Row[] = [];
      for (const l of lines) for (const r of JSON.parse(l) as Row[]) rows.push(r);
      const appended: Appended[] = [];
      await this.db.transaction(async tx => {
        const inserted = rows.length
          ? await tx.query<{ seq: number; message_id: string; workspace_id: string }>(INSERT_EVENTS_SQL, [`[${lines.map(l => l.slice(1, -1)).filter(Boolean).join(',')}]`])
          : [];
        const seqOf = seqTaker(inserted);
        for (const r of rows) {
          const seq = seqOf(r.w, r.m);
          if (seq !== undefined) appended.push(insertToEvent(r, seq));
        }
        await tx.query(`insert into accept_journal (id, position) values ($1, $2) on conflict (id) do update set position = excluded.position`, [JOURNAL_ID, to]);
      });
      appended.sort((a, b) => a.seq - b.seq);
      this.moved = to;
      this.movedCount = Math.min(this.written, this.movedCount + rows.length);
      this.log.announce(appended);
      this.dropMovedSegments();
      if (this.pending() === 0) this.drainWaiters.splice(0).forEach(f => f());
    }
  }

  /** Whole lines from `pos` on, at most moveBytes of them (one line at least): [lines, position after them]. */
  private read(pos: number): [string[], number] {
    const seg = pos >= this.base ? { base: this.base, size: this.size } : this.older.find(s => pos < s.base + s.size);
    if (!seg) return [[], pos];
    const start = Math.max(pos, seg.base);
    const end = seg.base + seg.size;
    let want = Math.min(end - start, this.moveBytes);
    for (;;) {
      const buf = Buffer.alloc(want);
      const fd = openSync(join(this.dir, nameOf(seg.base)), 'r');
      try { readSync(fd, buf, 0, want, start - seg.base); } finally { closeSync(fd); }
      const cut = buf.lastIndexOf(10);
      if (cut >= 0) {
        const text = buf.subarray(0, cut).toString('utf8');
        return [text.split('\n'), start + cut + 1];
      }
      if (want >= end - start) return [[], pos];
      want = Math.min(end - start, want * 2);
    }
  }

  private dropMovedSegments() {
    while (this.older.length && this.older[0].base + this.older[0].size <= this.moved) rmSync(join(this.dir, nameOf(this.older.shift()!.base)), { force: true });
  }
}

interface Segment { base: number; size: number }

/** The journal's segment files, oldest first (read once, when the journal opens). */
function listSegments(dir: string): Segment[] {
  return readdirSync(dir).map(f => NAME.exec(f)).filter((m): m is RegExpExecArray => m !== null)
    .map(m => ({ base: Number(m[1]), size: statSync(join(dir, m[0])).size })).sort((a, b) => a.base - b.base);
}

/** Cuts a last line that was never completed (its request was never answered); returns the size kept. */
function cutTornTail(file: string, size: number): number {
  if (size === 0) return 0;
  const fd = openSync(file, 'r+');
  try {
    const back = Math.min(size, 4 * 2 ** 20);
    const buf = Buffer.alloc(back);
    readSync(fd, buf, 0, back, size - back);
    if (buf[back - 1] === 10) return size;
    const nl = buf.lastIndexOf(10);
    const keep = nl >= 0 ? size - back + nl + 1 : (back === size ? 0 : size - back);
    ftruncateSync(fd, keep);
    return keep;
  } finally { closeSync(fd); }
}
