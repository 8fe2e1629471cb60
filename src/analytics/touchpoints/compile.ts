/**
 * Rules and conditions compiled to SQL, so classification runs inside the scan that reads
 * the events: millions of event bodies never travel to Node just to be named a channel.
 * Text comparisons ignore case, because UTM tags come typed by hand ("Email", "email"):
 * every field is read lower-cased once, and values are lower-cased here.
 */
import { numeric, type Params } from '../sql.ts';
import { fieldSql, type UrlRefs } from './fields.ts';
import type { Condition, Rule, Scalar, Taxonomy } from './types.ts';

/** The lower-cased text of a field, as SQL. */
export type FieldReader = (field: string) => string;

/** Reads each field where it is used: fine for a few conditions (funnel filters, previews). */
export const inlineFields = (p: Params): FieldReader => field => `lower(${fieldSql(field, p)})`;

/**
 * Reads each distinct field once per row, as a column f0, f1... of an inner select: the
 * default taxonomy reads utm.medium in a dozen rules and the URL in twenty, and Postgres
 * would otherwise extract and parse them again for every rule it tries.
 */
export class FieldColumns {
  private readonly index = new Map<string, string>();
  private readonly exprs: string[] = [];
  constructor(private readonly p: Params, private readonly refs: UrlRefs) {}

  readonly read: FieldReader = field => {
    let name = this.index.get(field);
    if (!name) {
      name = `f${this.exprs.length}`;
      this.exprs.push(`lower(${fieldSql(field, this.p, this.refs)}) as ${name}`);
      this.index.set(field, name);
    }
    return name;
  };

  /** The select list computing the fields read so far (call after compiling). */
  columns(): string {
    return this.exprs.length ? this.exprs.join(', ') : 'null::text as f_none';
  }
}

const text = (v: Scalar) => String(v).toLowerCase();

export function conditionSql(c: Condition, read: FieldReader, p: Params): string {
  const x = read(c.field);
  const v = c.value;
  switch (c.op) {
    case 'exists': return `coalesce(${x}, '') <> ''`;
    case 'eq': return `${x} = ${p.add(text(v as Scalar), 'text')}`;
    case 'neq': return `coalesce(${x}, '') <> ${p.add(text(v as Scalar), 'text')}`;
    case 'in': return `${x} = any(${p.add((v as Scalar[]).map(text), 'text[]')})`;
    case 'contains': return `strpos(${x}, ${p.add(text(v as Scalar), 'text')}) > 0`;
    case 'matches': return `${x} ~* ${p.add(String(v), 'text')}`;
    case 'gt': return `${numeric(x)} > ${p.add(Number(v), 'float8')}`;
    case 'gte': return `${numeric(x)} >= ${p.add(Number(v), 'float8')}`;
    case 'lt': return `${numeric(x)} < ${p.add(Number(v), 'float8')}`;
    case 'lte': return `${numeric(x)} <= ${p.add(Number(v), 'float8')}`;
  }
}

export function allSql(conditions: Condition | Condition[], read: FieldReader, p: Params): string {
  const list = Array.isArray(conditions) ? conditions : [conditions];
  return list.length === 0 ? 'true' : list.map(c => `(${conditionSql(c, read, p)})`).join(' and ');
}

/** The touchpoint channel of a row: text, null when it is not a touchpoint. First match wins. */
export function touchpointCase(t: Taxonomy, read: FieldReader, p: Params): string {
  if (t.rules.length === 0) return 'null::text';
  const whens = t.rules.map(r => `when ${allSql(r.if, read, p)} then ${channelSql(r, read, p)}`);
  return `(case ${whens.join(' ')} else null end)`;
}

/** touchpointCase over an `events` row `e`, reading fields inline. */
export function touchpointSql(t: Taxonomy, p: Params): string {
  return touchpointCase(t, inlineFields(p), p);
}

function channelSql(r: Rule, read: FieldReader, p: Params): string {
  const fixed = r.channel === null ? 'null::text' : p.add(r.channel, 'text');
  if (!r.channelFrom || r.channel === null) return fixed;
  const slug = `nullif(trim(both '_' from regexp_replace(${read(r.channelFrom.field)}, '[^a-z0-9]+', '_', 'g')), '')`;
  return `coalesce(${slug} || ${p.add(r.channelFrom.suffix ?? '', 'text')}, ${fixed})`;
}

/** Channels the taxonomy marks offline, by a rule's flag or the channel table. */
export function offlineChannels(t: Taxonomy): Set<string> {
  const out = new Set<string>();
  for (const r of t.rules) if (r.offline && r.channel) out.add(r.channel);
  for (const [name, info] of Object.entries(t.channels)) {
    if (info.offline === true) out.add(name);
    else if (info.offline === false) out.delete(name);
  }
  return out;
}
