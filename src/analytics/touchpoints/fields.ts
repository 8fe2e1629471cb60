/**
 * The fields rules and funnel filters can read, each as a SQL text expression over an
 * `events` row aliased `e`. Derived fields read what Segment's SDKs actually send: UTM
 * tags land in `context.campaign` on every call from a page, but server-side and
 * hand-rolled calls put them in `properties.utm_*` or only in the URL, so `utm.*` looks
 * in all three.
 */
import { hostOf, type Params } from '../sql.ts';

export const FIELD_HELP = 'type, event, name, channel, properties.<path>, context.<path>, traits.<path>, '
  + 'utm.source|medium|campaign|term|content, query.<parameter>, url, url.host, url.path, referrer, referrer.host, referrer.internal';

const COLUMNS: Record<string, string> = {
  type: 'e.type',
  // Page and screen calls keep their page name in the same column: `event` is only a track's.
  event: `(case when e.type = 'track' then e.name end)`,
  name: 'e.name',
  channel: 'e.channel',
};
const BODY_ROOTS = new Set(['properties', 'context', 'traits']);
const UTM = new Set(['source', 'medium', 'campaign', 'term', 'content']);
const PARAM_RE = /^[A-Za-z0-9_.-]{1,64}$/;

export const URL_SQL = `coalesce(nullif(e.body #>> '{properties,url}', ''), e.body #>> '{context,page,url}')`;
export const REFERRER_SQL = `coalesce(nullif(e.body #>> '{properties,referrer}', ''), e.body #>> '{context,page,referrer}')`;

/** Why the field cannot be read, or null when it can. */
export function fieldProblem(field: unknown): string | null {
  if (typeof field !== 'string' || field === '') return `expected a field name: ${FIELD_HELP}`;
  if (field in COLUMNS || ['url', 'url.host', 'url.path', 'referrer', 'referrer.host', 'referrer.internal'].includes(field)) return null;
  const [root, ...rest] = field.split('.');
  if (BODY_ROOTS.has(root)) return rest.length > 0 && rest.every(s => s !== '') ? null : `expected ${root}.<path>, got ${JSON.stringify(field)}`;
  if (root === 'utm') return rest.length === 1 && UTM.has(rest[0]) ? null : `expected utm.source, utm.medium, utm.campaign, utm.term or utm.content, got ${JSON.stringify(field)}`;
  if (root === 'query') return rest.length >= 1 && PARAM_RE.test(rest.join('.')) ? null : `expected query.<parameter name>, got ${JSON.stringify(field)}`;
  return `unknown field ${JSON.stringify(field)}; expected ${FIELD_HELP}`;
}

/**
 * Where the page URL and referrer come from: inline expressions by default, or columns a
 * caller computed once per row (classification reads them in many rules).
 */
export interface UrlRefs { url: string; referrer: string; urlHost: string; referrerHost: string }
export const INLINE_URLS: UrlRefs = { url: URL_SQL, referrer: REFERRER_SQL, urlHost: hostOf(URL_SQL), referrerHost: hostOf(REFERRER_SQL) };

/** The field as a text expression (null when absent). The field must have passed fieldProblem. */
export function fieldSql(field: string, p: Params, refs: UrlRefs = INLINE_URLS): string {
  const column = COLUMNS[field];
  if (column) return column;
  const { url, referrer, urlHost, referrerHost } = refs;
  switch (field) {
    case 'url': return url;
    case 'url.host': return urlHost;
    case 'url.path': return `substring(${url} from '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//[^/?#]*(/[^?#]*)')`;
    case 'referrer': return referrer;
    case 'referrer.host': return referrerHost;
    // A referrer on the site's own host is a click inside the visit, not a way in.
    case 'referrer.internal': return `(case when ${referrerHost} = ${urlHost} then 'true' end)`;
  }
  const [root, ...rest] = field.split('.');
  if (BODY_ROOTS.has(root)) return bodyPath([root, ...rest], p);
  if (root === 'query') return queryParam(rest.join('.'), url, p);
  // utm.*: Segment's context.campaign calls utm_campaign "name".
  const key = rest[0];
  return `coalesce(${[
    `nullif(${bodyPath(['context', 'campaign', key === 'campaign' ? 'name' : key], p)}, '')`,
    `nullif(${bodyPath(['properties', `utm_${key}`], p)}, '')`,
    queryParam(`utm_${key}`, url, p),
  ].join(', ')})`;
}

export function bodyPath(path: string[], p: Params): string {
  return `(e.body #>> ${p.add(path, 'text[]')})`;
}

function queryParam(name: string, url: string, p: Params): string {
  const pattern = `[?&]${name.replace(/[.]/g, '\\.')}=([^&#]*)`;
  // Most URLs carry none of the parameters asked about: a plain search rules them out
  // before the regular expression runs.
  return `(case when strpos(${url}, ${p.add(`${name}=`, 'text')}) > 0 then nullif(substring(${url} from ${p.add(pattern, 'text')}), '') end)`;
}
