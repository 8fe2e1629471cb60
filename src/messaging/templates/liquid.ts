/**
 * The sandboxed Liquid engines. What a template can do is bounded here:
 * - no file system: the engines resolve `include`/`render`/`layout` only from the in-memory
 *   `partials` given for the render (liquidjs `templates` option), never from disk;
 * - no network: liquidjs has no tag or filter that fetches anything;
 * - bounded: `parseLimit` characters, `renderLimit` milliseconds and `memoryLimit` units per
 *   render, plus a cap on the output;
 * - `ownPropertyOnly`: `{{ profile.traits.constructor }}` sees nothing of JS prototypes;
 * - unknown filters are errors at parse time (`strictFilters`), so a typo fails at save time;
 *   unknown variables render as "" (`strictVariables: false`), so a missing trait never prints
 *   "undefined";
 * - HTML fields escape every output (`{{ x | raw }}` opts out); text fields do not.
 * Dates render in UTC (`timezoneOffset: 0`): the server's zone is not the customer's.
 */
import { Liquid, type Context, type Template as LiquidTemplate } from 'liquidjs';
import { DEFAULT_LIMITS, type TemplateLimits } from './types.ts';

export class TemplateError extends Error {
  constructor(message: string, readonly reason: 'syntax' | 'unknown_filter' | 'missing_partial' | 'time_limit' | 'memory_limit' | 'output_limit' | 'render') {
    super(message);
    this.name = 'TemplateError';
  }
}

const engines = new Map<string, Liquid>();
const perPartials = new WeakMap<Record<string, string>, Map<string, Liquid>>();

export function engineFor(html: boolean, limits: TemplateLimits, partials?: Record<string, string>): Liquid {
  const key = `${html ? 'html' : 'text'}|${limits.parseLimit}`;
  let cache = engines;
  if (partials) {
    cache = perPartials.get(partials) ?? new Map();
    perPartials.set(partials, cache);
  }
  let engine = cache.get(key);
  if (!engine) {
    engine = new Liquid({
      templates: { ...partials },
      strictFilters: true,
      strictVariables: false,
      ownPropertyOnly: true,
      outputEscape: html ? 'escape' : countedText,
      parseLimit: limits.parseLimit,
      renderLimit: limits.renderLimitMs,
      memoryLimit: limits.memoryLimit,
      timezoneOffset: 0,
      locale: 'en-US',
      cache: false,
    });
    cache.set(key, engine);
  }
  return engine;
}

/** Text fields are not escaped, but their output is charged to the memory limit like escaped
 * output is (liquidjs's `escape` filter charges it), so a loop cannot print unbounded text. */
function countedText(this: { context: Context }, value: unknown): string {
  const s = stringify(value);
  this.context.memoryLimit.use(s.length);
  return s;
}

/** Liquid's own rules for printing a value: nil → "", arrays joined without separator. */
function stringify(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(stringify).join('');
  if (typeof value === 'object' && typeof (value as { valueOf?: unknown }).valueOf === 'function') {
    const v = (value as { valueOf(): unknown }).valueOf();
    if (v !== value) return stringify(v);
  }
  return String(value);
}

/** Parse-time (save-time) check: syntax, unknown tags and unknown filters. */
export function parseLiquid(engine: Liquid, source: string): LiquidTemplate[] {
  try {
    return engine.parse(source);
  } catch (err) {
    throw templateError(err, DEFAULT_LIMITS);
  }
}

export function renderLiquid(engine: Liquid, parsed: LiquidTemplate[], scope: object, limits: TemplateLimits): string {
  let out: unknown;
  try {
    out = engine.renderSync(parsed, scope, { renderLimit: limits.renderLimitMs, memoryLimit: limits.memoryLimit });
  } catch (err) {
    throw templateError(err, limits);
  }
  const text = stringify(out);
  if (text.length > limits.maxOutputChars) {
    throw new TemplateError(`output is larger than ${limits.maxOutputChars} characters`, 'output_limit');
  }
  return text;
}

/** liquidjs messages end in ", line:L, col:C"; keep the position, reword the cause. */
function templateError(err: unknown, limits: TemplateLimits): TemplateError {
  if (err instanceof TemplateError) return err;
  const e = err as { message?: string; originalError?: { message?: string } };
  const full = e?.message ?? String(err);
  const pos = /, line:(\d+), col:(\d+)$/.exec(full);
  const where = pos ? ` (line ${pos[1]}, col ${pos[2]})` : '';
  const cause = (e?.originalError?.message ?? full).replace(/, line:\d+, col:\d+$/, '');
  let m: RegExpExecArray | null;
  if ((m = /^undefined filter: (.+)$/.exec(cause))) return new TemplateError(`unknown filter "${m[1]}"${where}`, 'unknown_filter');
  if ((m = /Failed to lookup "([^"]*)"/.exec(cause))) {
    return new TemplateError(`template "${m[1]}" not found: partials come from this workspace's templates only${where}`, 'missing_partial');
  }
  if (/template render limit exceeded/.test(cause)) return new TemplateError(`took longer than ${limits.renderLimitMs} ms to render${where}`, 'time_limit');
  if (/memory alloc limit exceeded/.test(cause)) return new TemplateError(`uses more than the memory limit (${limits.memoryLimit})${where}`, 'memory_limit');
  if (/parse length limit exceeded/.test(cause)) return new TemplateError(`is longer than ${limits.parseLimit} characters`, 'syntax');
  if (/Maximum call stack size exceeded/.test(cause)) return new TemplateError(`recursion too deep (a partial including itself?)${where}`, 'render');
  const kind = (err as { name?: string })?.name;
  return new TemplateError(`${cause}${where}`, kind === 'RenderError' ? 'render' : 'syntax');
}

const parsedCache = new WeakMap<Liquid, Map<string, LiquidTemplate[]>>();
const PARSED_CACHE_SIZE = 500;

/** Parsing dominates small renders; the same sources render over and over in a campaign. */
export function parseCached(engine: Liquid, source: string): LiquidTemplate[] {
  let cache = parsedCache.get(engine);
  if (!cache) parsedCache.set(engine, cache = new Map());
  const hit = cache.get(source);
  if (hit) return hit;
  const parsed = parseLiquid(engine, source);
  if (cache.size >= PARSED_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(source, parsed);
  return parsed;
}
