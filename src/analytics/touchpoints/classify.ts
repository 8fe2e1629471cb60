/**
 * The statement that classifies stored events, in stages: the page URL and referrer are
 * pulled out of the body once, their hosts once, every field the rules read once, then the
 * rules' CASE runs over those columns. Each stage is a subquery with "offset 0", which
 * keeps Postgres from inlining it and so from computing the same expression again in
 * every rule that reads it.
 */
import { hostOf, type Params } from '../sql.ts';
import { FieldColumns, touchpointCase } from './compile.ts';
import { REFERRER_SQL, URL_SQL } from './fields.ts';
import type { Taxonomy } from './types.ts';

/**
 * A select of (seq, workspace_id, ts, channel) for the events `where` picks (an `events e`
 * condition), channel null for events that are not touchpoints.
 */
export function classifySql(t: Taxonomy, p: Params, where: string): string {
  const fields = new FieldColumns(p, { url: 'e.url', referrer: 'e.referrer', urlHost: 'e.url_host', referrerHost: 'e.referrer_host' });
  const ch = touchpointCase(t, fields.read, p);
  return `
    select seq, workspace_id, ts, ${ch} as channel from (
      select e.seq, e.workspace_id, e.ts, ${fields.columns()} from (
        select e.*, ${hostOf('e.url')} as url_host, ${hostOf('e.referrer')} as referrer_host from (
          select e.seq, e.workspace_id, e.ts, e.type, e.name, e.channel, e.body, ${URL_SQL} as url, ${REFERRER_SQL} as referrer
            from events e where ${where} offset 0
        ) e offset 0
      ) e offset 0
    ) e`;
}
