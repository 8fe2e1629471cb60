import type { Command } from 'commander';
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse';
import { createOmnis, DEFAULT_WORKSPACE, ensureWorkspace } from '../app/index.ts';
import { validateEvent, EventError, LIMITS } from '../ingest/index.ts';
import type { OmnisEvent } from '../shared/index.ts';
import { openConfiguredStore, fail } from './runtime.ts';
import { progressBar } from './progress.ts';
import { rowToEvent as csvRowToEvent, parseMappings, type CsvKind } from './csv-mapping.ts';

interface Summary { rows: number; accepted: number; duplicates: number; rejected: { row: number; error: string }[] }

export function importCommand(program: Command) {
  program.command('import <file>')
    .description('import Segment-shaped events (JSON Lines) or a CSV of customers or orders exported from a POS or shop')
    .option('--format <format>', 'jsonl or csv (default: from the file extension)')
    .option('--kind <kind>', 'CSV only: customers (each row an identify) or orders (each row an Order Completed)', 'customers')
    .option('--map <column=target...>', 'CSV column mapping, e.g. "Cust No=id:pos_customer_id" "E-mail=email" "Placed=timestamp" "Amount=property:total"; targets: userId, email, phone, timestamp, id:<type>, trait:<name>, property:<name>, skip')
    .option('--channel <channel>', 'channel of the imported events (default: pos for CSV, else from each event)')
    .option('--workspace <id>', 'workspace', DEFAULT_WORKSPACE)
    .option('--max-errors <n>', 'rejected rows to list in the summary', v => Number(v), 20)
    .action(async (file: string, o) => {
      let size = 0;
      try { size = statSync(file).size; } catch { fail(`cannot read ${file}`); }
      const format = (o.format ?? (extname(file).toLowerCase() === '.csv' ? 'csv' : 'jsonl')) as string;
      if (format !== 'csv' && format !== 'jsonl') fail('--format must be jsonl or csv');
      if (o.kind !== 'customers' && o.kind !== 'orders') fail('--kind must be customers or orders');
      let mappings;
      try { mappings = parseMappings(o.map ?? []); } catch (e) { fail((e as Error).message); }
      const db = await openConfiguredStore().catch(e => fail((e as Error).message));
      const omnis = await createOmnis({ db });
      await ensureWorkspace(db, o.workspace, o.workspace);
      await omnis.start();
      const bar = progressBar(`importing ${file}`, size, ' bytes');
      const summary: Summary = { rows: 0, accepted: 0, duplicates: 0, rejected: [] };
      const stream = createReadStream(file);
      const receivedAt = Date.now();
      let pending: OmnisEvent[] = [];
      const flush = async () => {
        if (!pending.length) return;
        const n = pending.length;
        const appended = await omnis.log.append(o.workspace, pending);
        summary.accepted += appended.length;
        summary.duplicates += n - appended.length;
        pending = [];
        bar.update(stream.bytesRead);
      };
      const take = async (row: number, make: () => OmnisEvent) => {
        summary.rows++;
        try { pending.push(make()); } catch (e) {
          if (!(e instanceof EventError)) throw e;
          summary.rejected.push({ row, error: e.message });
        }
        if (pending.length >= 500) await flush();
      };
      const ctx = { receivedAt, defaultChannel: o.channel ?? (format === 'csv' ? 'pos' : null), sourceId: null };
      if (format === 'jsonl') {
        let line = 0;
        for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
          line++;
          if (!text.trim()) continue;
          await take(line, () => {
            if (Buffer.byteLength(text) > LIMITS.eventBytes) throw new EventError('event', `line is larger than ${LIMITS.eventBytes} bytes`);
            let raw: unknown;
            try { raw = JSON.parse(text); } catch (e) { throw new EventError('line', `malformed JSON: ${(e as Error).message}`); }
            return validateEvent(raw, null, ctx);
          });
        }
      } else {
        let line = 1;
        for await (const rec of stream.pipe(parseCsv({ columns: true, skip_empty_lines: true, trim: true, bom: true }))) {
          line++;
          await take(line, () => validateEvent(csvRowToEvent(rec as Record<string, string>, o.kind as CsvKind, mappings, line), null, ctx));
        }
      }
      await flush();
      bar.stop();
      process.stderr.write('processing…\n');
      await omnis.idle();
      await omnis.stop();
      await db.close();
      const out = [`${summary.rows} rows: ${summary.accepted} imported, ${summary.duplicates} duplicates skipped, ${summary.rejected.length} rejected`];
      for (const r of summary.rejected.slice(0, o.maxErrors)) out.push(`  row ${r.row}: ${r.error}`);
      if (summary.rejected.length > o.maxErrors) out.push(`  … and ${summary.rejected.length - o.maxErrors} more`);
      process.stdout.write(out.join('\n') + '\n');
      process.exitCode = summary.rejected.length ? 1 : 0;
    });
}
