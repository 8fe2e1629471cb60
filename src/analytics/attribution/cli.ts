/**
 * `omnis attribution FILE ...`: attribution on a file, standalone, for analysts. FILE is
 * ChannelAttribution's path format or an Omnis event export (JSON Lines), told apart by
 * its first character. Exit codes: 0 done, 2 bad flags or bad file, 1 anything else.
 */
import { open, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { OmnisError, parseDuration } from '../../shared/index.ts';
import { attribute } from './attribute.ts';
import { toCsv, toJson } from './format.ts';
import { fileLines, type LineSource } from './lines.ts';
import { readChannelAttribution } from './parse-channelattribution.ts';
import { readEventExport } from './parse-events.ts';
import { readSpend, withSpend } from './spend.ts';
import { MODEL_NAMES, type AttributionOptions, type ModelName, type ShapleyMethod } from './types.ts';

export interface CliIo {
  stdout: (s: string) => void;
  /** Defaults to process.stderr. */
  stderr?: (s: string) => void;
  /** Reads a whole file; without it files are streamed from disk. */
  readFile?: (path: string) => Promise<string>;
}

export const ATTRIBUTION_USAGE = `Usage: omnis attribution FILE [options]

FILE is ChannelAttribution's format (path;total_conversions;total_conversion_value;total_null,
paths like "a > b > c") or an Omnis event export (JSON Lines; touches are events with a
channel, conversions are "Order Completed" with properties.revenue or .total).

Options:
  --model NAMES        ${MODEL_NAMES.join(', ')} or all (comma-separated; default all)
  --order K            Markov order (default 1)
  --nulls              count non-converting paths in the Markov chain
  --format FMT         json (default) or csv
  --half-life DUR      time_decay half-life on timed paths, e.g. 7d (default 7d)
  --half-life-steps N  time_decay half-life in touches on paths without times (default 1)
  --position F,M,L     position weights first,middle,last (default 0.4,0.2,0.4)
  --shapley METHOD     auto, exact, simplified or sampled (default auto: exact up to 20 channels)
  --samples N          orderings drawn by sampled Shapley (default 1000)
  --seed N             seed of sampled Shapley (default 1)
  --direct NAMES       channels that count as direct for last_non_direct (default direct)
  --lookback DUR       event exports: touches counted before a conversion (default 30d)
  --conversion-event E event exports: the conversion event name (default "Order Completed")
  --input KIND         auto (default), channelattribution or events
  --spend FILE         CSV channel,amount: adds spend, roas and costPerConversion
  -h, --help           this help
`;

class UsageError extends Error {}

const FILE_ERRORS: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'not a file' };

export async function runAttributionCli(args: string[], io: CliIo): Promise<number> {
  const stderr = io.stderr ?? ((s: string) => void process.stderr.write(s));
  let reading: string | undefined;
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        model: { type: 'string', short: 'm' }, order: { type: 'string' }, nulls: { type: 'boolean' },
        format: { type: 'string' }, 'half-life': { type: 'string' }, 'half-life-steps': { type: 'string' },
        position: { type: 'string' }, shapley: { type: 'string' }, samples: { type: 'string' }, seed: { type: 'string' },
        direct: { type: 'string' }, lookback: { type: 'string' }, 'conversion-event': { type: 'string' },
        input: { type: 'string' }, spend: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) { io.stdout(ATTRIBUTION_USAGE); return 0; }
    if (positionals.length !== 1) throw new UsageError(positionals.length ? `expected one FILE, got ${positionals.length}` : 'missing FILE');
    const file = positionals[0];
    const format = values.format ?? 'json';
    if (format !== 'json' && format !== 'csv') throw new UsageError(`--format: expected json or csv, got ${JSON.stringify(format)}`);
    const input = values.input ?? 'auto';
    if (!['auto', 'channelattribution', 'events'].includes(input)) throw new UsageError(`--input: expected auto, channelattribution or events, got ${JSON.stringify(input)}`);

    const models = (values.model ?? 'all').split(',').map(m => m.trim()).filter(Boolean);
    const options: AttributionOptions = {
      models: models.includes('all') ? 'all' : models.map(m => {
        if (!(MODEL_NAMES as readonly string[]).includes(m)) throw new UsageError(`--model: unknown model ${JSON.stringify(m)}; expected ${MODEL_NAMES.join(', ')} or all`);
        return m as ModelName;
      }),
      nulls: values.nulls ?? false,
      directChannels: values.direct?.split(',').map(s => s.trim()).filter(Boolean),
      shapleyMethod: values.shapley as ShapleyMethod | undefined,
    };
    if (values.order !== undefined) options.order = int(values.order, '--order');
    if (values.samples !== undefined) options.shapleySamples = int(values.samples, '--samples');
    if (values.seed !== undefined) options.seed = int(values.seed, '--seed');
    if (values['half-life'] !== undefined) options.halfLifeMs = parseDuration(values['half-life'], '--half-life');
    if (values['half-life-steps'] !== undefined) options.halfLifeSteps = num(values['half-life-steps'], '--half-life-steps');
    if (values.position !== undefined) {
      const w = values.position.split(',').map(s => num(s, '--position'));
      if (w.length !== 3) throw new UsageError('--position: expected three weights first,middle,last, e.g. 0.4,0.2,0.4');
      options.positionWeights = { first: w[0], middle: w[1], last: w[2] };
    }
    const lookbackMs = values.lookback !== undefined ? parseDuration(values.lookback, '--lookback') : undefined;

    const read = (path: string): Promise<LineSource> => {
      reading = path;
      return io.readFile ? io.readFile(path) : readable(path);
    };
    const spend = values.spend !== undefined ? await readSpend(await read(values.spend)) : undefined;
    const source = await read(file);
    const kind = input !== 'auto' ? input : await sniff(file, source);
    const paths = kind === 'events'
      ? await readEventExport(source, { lookbackMs, conversionEvent: values['conversion-event'] })
      : await readChannelAttribution(source);
    const results = attribute(paths, options);
    io.stdout(format === 'csv' ? toCsv(spend ? withSpend(results, spend) : results) : toJson(spend ? withSpend(results, spend) : results));
    return 0;
  } catch (err) {
    const e = err as Error & { code?: string; path?: string };
    if (err instanceof UsageError || e.code?.startsWith('ERR_PARSE_ARGS')) {
      stderr(`omnis attribution: ${e.message}\nRun "omnis attribution --help" for the options.\n`);
      return 2;
    }
    if (err instanceof OmnisError && err.kind === 'invalid') {
      const where = err.details?.line !== undefined && reading ? `${reading}: ` : '';
      stderr(`omnis attribution: ${where}${err.message}\n`);
      return 2;
    }
    const reason = e.code ? FILE_ERRORS[e.code] : undefined;
    if (reason) { stderr(`omnis attribution: cannot read ${e.path ?? reading ?? 'the file'}: ${reason}\n`); return 2; }
    stderr(`omnis attribution: ${e.message}\n`);
    return 1;
  }
}

async function readable(path: string): Promise<LineSource> {
  // Checking first turns a missing file into an error here rather than mid-stream.
  if (!(await stat(path)).isFile()) throw Object.assign(new Error(`${path} is not a file`), { code: 'EISDIR', path });
  await (await open(path, 'r')).close();
  return fileLines(path);
}

/** An event export is JSON Lines: its first character is "{". */
async function sniff(path: string, source: LineSource): Promise<'events' | 'channelattribution'> {
  let head: string;
  if (typeof source === 'string') head = source.slice(0, 1024);
  else {
    const fh = await open(path, 'r');
    try {
      const { bytesRead, buffer } = await fh.read(Buffer.alloc(1024), 0, 1024, 0);
      head = buffer.toString('utf8', 0, bytesRead);
    } finally { await fh.close(); }
  }
  return head.replace(/^\uFEFF/, '').trimStart().startsWith('{') ? 'events' : 'channelattribution';
}

function int(s: string, flag: string): number {
  const v = Number(s);
  if (!/^\d+$/.test(s.trim()) || !Number.isSafeInteger(v)) throw new UsageError(`${flag}: expected a whole number, got ${JSON.stringify(s)}`);
  return v;
}

function num(s: string, flag: string): number {
  const v = s.trim() === '' ? NaN : Number(s);
  if (!Number.isFinite(v)) throw new UsageError(`${flag}: expected a number, got ${JSON.stringify(s)}`);
  return v;
}
