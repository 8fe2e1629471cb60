/**
 * Checks a taxonomy from outside (the API, a stored row written by an older version) and
 * fills in defaults. Errors name the offending path, e.g. `rules.3.if.1.op`.
 */
import { DURATION_RE, invalid } from '../../shared/index.ts';
import { defaultTaxonomy } from './defaults.ts';
import { fieldProblem } from './fields.ts';
import { CONDITION_OPS, type ChannelInfo, type Condition, type Rule, type Scalar, type Taxonomy } from './types.ts';

export const CHANNEL_NAME_RE = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_RULES = 500;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isScalar = (v: unknown): v is Scalar => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean';

/** Missing keys take the defaults, so `{}` is the built-in taxonomy. */
export function parseTaxonomy(input: unknown): Taxonomy {
  if (!isObject(input)) throw invalid('body', 'expected an object with rules, channels, conversion and sessionGap');
  const d = defaultTaxonomy();
  for (const k of Object.keys(input)) {
    if (!['rules', 'channels', 'conversion', 'sessionGap'].includes(k)) throw invalid(k, 'unknown key; expected rules, channels, conversion or sessionGap');
  }
  const rules = input.rules === undefined ? d.rules : parseRules(input.rules);
  const channels = input.channels === undefined ? d.channels : parseChannels(input.channels);
  let conversion = d.conversion;
  if (input.conversion !== undefined) {
    if (!isObject(input.conversion) || typeof input.conversion.event !== 'string' || input.conversion.event.trim() === '' || input.conversion.event.length > 200) {
      throw invalid('conversion.event', 'expected the name of the conversion event, e.g. "Order Completed"');
    }
    conversion = { event: input.conversion.event };
  }
  let sessionGap = d.sessionGap;
  if (input.sessionGap !== undefined) {
    if (typeof input.sessionGap !== 'string' || !DURATION_RE.test(input.sessionGap)) throw invalid('sessionGap', `expected a duration like "30m" or "0s", got ${JSON.stringify(input.sessionGap)}`);
    sessionGap = input.sessionGap;
  }
  return { rules, channels, conversion, sessionGap };
}

function parseRules(v: unknown): Rule[] {
  if (!Array.isArray(v)) throw invalid('rules', 'expected a list of rules');
  if (v.length > MAX_RULES) throw invalid('rules', `at most ${MAX_RULES} rules`);
  return v.map((r, i) => parseRule(r, `rules.${i}`));
}

function parseRule(r: unknown, at: string): Rule {
  if (!isObject(r)) throw invalid(at, 'expected { if, channel }');
  for (const k of Object.keys(r)) {
    if (!['if', 'channel', 'offline', 'channelFrom'].includes(k)) throw invalid(`${at}.${k}`, 'unknown key; expected if, channel, offline or channelFrom');
  }
  if (r.channel !== null && (typeof r.channel !== 'string' || !CHANNEL_NAME_RE.test(r.channel))) {
    throw invalid(`${at}.channel`, `expected a channel name like "paid_search" (lower case, digits, _), or null for "not a touchpoint"; got ${JSON.stringify(r.channel)}`);
  }
  const conditions = Array.isArray(r.if) ? r.if.map((c, j) => parseCondition(c, `${at}.if.${j}`)) : parseCondition(r.if, `${at}.if`);
  const rule: Rule = { if: conditions, channel: r.channel };
  if (r.offline !== undefined) {
    if (typeof r.offline !== 'boolean') throw invalid(`${at}.offline`, 'expected true or false');
    rule.offline = r.offline;
  }
  if (r.channelFrom !== undefined) {
    const cf = r.channelFrom;
    if (!isObject(cf)) throw invalid(`${at}.channelFrom`, 'expected { field, suffix? }');
    const problem = fieldProblem(cf.field);
    if (problem) throw invalid(`${at}.channelFrom.field`, problem);
    if (cf.suffix !== undefined && (typeof cf.suffix !== 'string' || !/^[a-z0-9_]{0,32}$/.test(cf.suffix))) throw invalid(`${at}.channelFrom.suffix`, 'expected lower case letters, digits and _');
    rule.channelFrom = { field: cf.field as string, ...(cf.suffix !== undefined ? { suffix: cf.suffix as string } : {}) };
  }
  return rule;
}

export function parseCondition(c: unknown, at: string): Condition {
  if (!isObject(c)) throw invalid(at, 'expected { field, op, value }');
  const problem = fieldProblem(c.field);
  if (problem) throw invalid(`${at}.field`, problem);
  const op = c.op as Condition['op'];
  if (!CONDITION_OPS.includes(op)) throw invalid(`${at}.op`, `expected one of ${CONDITION_OPS.join(', ')}, got ${JSON.stringify(c.op)}`);
  const field = c.field as string;
  const v = c.value;
  switch (op) {
    case 'exists':
      if (v !== undefined) throw invalid(`${at}.value`, 'exists takes no value');
      return { field, op };
    case 'in':
      if (!Array.isArray(v) || v.length === 0 || v.length > 1000 || !v.every(isScalar)) throw invalid(`${at}.value`, 'in expects a non-empty list of strings or numbers');
      return { field, op, value: v };
    case 'gt': case 'gte': case 'lt': case 'lte':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`${at}.value`, `${op} expects a number`);
      return { field, op, value: v };
    case 'matches':
      if (typeof v !== 'string' || v === '' || v.length > 1000) throw invalid(`${at}.value`, 'matches expects a regular expression');
      return { field, op, value: v };
    default:
      if (!isScalar(v)) throw invalid(`${at}.value`, `${op} expects a string, number or boolean`);
      return { field, op, value: v };
  }
}

function parseChannels(v: unknown): Record<string, ChannelInfo> {
  if (!isObject(v)) throw invalid('channels', 'expected an object of channel name → { offline }');
  const out: Record<string, ChannelInfo> = {};
  for (const [name, info] of Object.entries(v)) {
    if (!CHANNEL_NAME_RE.test(name)) throw invalid(`channels.${name}`, 'expected a channel name (lower case, digits, _)');
    if (!isObject(info) || (info.offline !== undefined && typeof info.offline !== 'boolean') || Object.keys(info).some(k => k !== 'offline')) {
      throw invalid(`channels.${name}`, 'expected { offline: true | false }');
    }
    out[name] = info.offline === undefined ? {} : { offline: info.offline };
  }
  return out;
}

/** Every `matches` pattern in the taxonomy, with where it sits, for checking against the database's regex engine. */
export function patternsOf(t: Taxonomy): { at: string; pattern: string }[] {
  const out: { at: string; pattern: string }[] = [];
  t.rules.forEach((r, i) => {
    const list = Array.isArray(r.if) ? r.if : [r.if];
    list.forEach((c, j) => {
      if (c.op === 'matches') out.push({ at: Array.isArray(r.if) ? `rules.${i}.if.${j}.value` : `rules.${i}.if.value`, pattern: String(c.value) });
    });
  });
  return out;
}
