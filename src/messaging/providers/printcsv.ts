/**
 * Direct mail for print vendors without an API: one CSV batch file per day that the vendor
 * collects (SFTP, shared folder), one row per piece.
 *
 * Format (RFC 4180): comma-separated, CRLF line ends, a header row, fields quoted when they
 * hold a comma, quote, CR or LF, quotes doubled. Columns: PRINT_COLUMNS. Values are written
 * as they are; a vendor opening the file in a spreadsheet should import it as text, since
 * a field starting with "=" is data here, not a formula.
 *
 * The provider appends to `{dir}/{filePrefix}-{YYYY-MM-DD}.csv` (the day in `timeZone`),
 * and is idempotent per message id: a retried send finds its row and adds nothing. A row
 * torn by a crash mid-write is cut off when the file is next opened.
 * Appends are serialised within one process; two processes must not share a folder (in a
 * cluster, give print CSV to one worker).
 */
import { appendFile, mkdir, readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { invalid } from '../../shared/index.ts';
import type { OutboundMessage, Provider, ProviderDeps, ProviderFactory, SendResult } from './types.ts';
import { ProviderError } from './types.ts';

export const PRINT_COLUMNS = [
  'message_id', 'name', 'address_line1', 'address_line2', 'city', 'state', 'postal_code', 'country',
  'front', 'back', 'html', 'text', 'metadata',
] as const;

export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function toCsv(rows: readonly (readonly string[])[]): string {
  return rows.map(r => `${r.map(csvField).join(',')}\r\n`).join('');
}

/** One piece's row; throws when the message has no postal address. */
export function printRow(m: OutboundMessage, field = 'to.address'): string[] {
  const a = m.to.address;
  if (!a) throw invalid(field, 'a postal address is required for print');
  const c = m.content;
  return [
    m.id, a.name ?? m.to.name ?? '', a.line1, a.line2 ?? '', a.city, a.state ?? '', a.postalCode, a.country.toUpperCase(),
    c.front ?? '', c.back ?? '', c.html ?? '', c.text ?? c.body ?? '', m.metadata ? JSON.stringify(m.metadata) : '',
  ];
}

/** The whole batch as one CSV document: header, then one row per message. */
export function printBatchCsv(messages: OutboundMessage[]): string {
  return toCsv([PRINT_COLUMNS, ...messages.map((m, i) => printRow(m, `messages.${i}.to.address`))]);
}

export const printCsvSettings = z.object({
  /** Folder the batch files are written to; created when missing. */
  dir: z.string().min(1),
  /** Default "print-batch": files are print-batch-2026-03-01.csv. */
  filePrefix: z.string().regex(/^[\w.-]+$/, 'letters, digits, ".", "-", "_"').default('print-batch'),
  /** IANA zone deciding which day's file a piece goes in. Default UTC. */
  timeZone: z.string().default('UTC'),
});
export type PrintCsvSettings = z.infer<typeof printCsvSettings>;

function dayIn(timeZone: string, at: number): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

type Records = string[][];

function parseCsv(text: string): Records | null {
  try { return parse(text, { relax_column_count: false }) as Records; } catch { return null; }
}

interface BatchFile { ids: Set<string>; hasHeader: boolean }

/** Reads a batch file, cutting off a torn last row; answers the message ids it holds. */
async function loadBatch(path: string): Promise<BatchFile> {
  let text: string;
  try { text = await readFile(path, 'utf8'); } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ids: new Set(), hasHeader: false };
    throw err;
  }
  let records = text === '' || text.endsWith('\r\n') ? parseCsv(text) : null;
  if (!records) {
    // Every row written ends in CRLF; the longest prefix ending in CRLF that parses is the intact part.
    let end = text.lastIndexOf('\r\n');
    while (end >= 0 && !(records = parseCsv(text.slice(0, end + 2)))) end = text.lastIndexOf('\r\n', end - 1);
    await truncate(path, end >= 0 ? Buffer.byteLength(text.slice(0, end + 2)) : 0);
    records ??= [];
  }
  return { ids: new Set(records.slice(1).map(r => r[0])), hasHeader: records.length > 0 };
}

export function createPrintCsvProvider(settings: PrintCsvSettings, deps: ProviderDeps = {}): Provider {
  try { dayIn(settings.timeZone, 0); } catch { throw invalid('timeZone', `unknown time zone ${settings.timeZone}`); }
  const now = deps.now ?? Date.now;
  const files = new Map<string, BatchFile>();
  let queue: Promise<unknown> = Promise.resolve();

  async function append(message: OutboundMessage): Promise<SendResult> {
    const file = `${settings.filePrefix}-${dayIn(settings.timeZone, now())}.csv`;
    const path = join(settings.dir, file);
    let batch = files.get(path);
    if (!batch) {
      await mkdir(settings.dir, { recursive: true });
      batch = await loadBatch(path);
      files.clear(); // only the current day's file is written to
      files.set(path, batch);
    }
    if (!batch.ids.has(message.id)) {
      // One write per row, the header with the first, so a crash tears at most the last row.
      await appendFile(path, toCsv(batch.hasHeader ? [printRow(message)] : [PRINT_COLUMNS, printRow(message)]));
      batch.hasHeader = true;
      batch.ids.add(message.id);
    }
    return { providerMessageId: `${file}#${message.id}` };
  }

  return {
    name: 'printcsv',
    channel: 'direct_mail',
    send(message) {
      if (!message.to.address) return Promise.reject(new ProviderError('recipient has no postal address', false, { code: 'no_recipient' }));
      const run = queue.then(() => append(message));
      queue = run.catch(() => undefined);
      return run.catch((err: unknown) => {
        // Disk full, permissions, a vanished mount: worth retrying once fixed.
        throw new ProviderError(`print batch write failed: ${err instanceof Error ? err.message : String(err)}`, true, { code: 'io' });
      });
    },
  };
}

export const printCsvProvider: ProviderFactory<PrintCsvSettings> = {
  name: 'printcsv',
  channel: 'direct_mail',
  settings: printCsvSettings,
  secretFields: [],
  create: (settings, deps) => createPrintCsvProvider(settings, deps),
};
