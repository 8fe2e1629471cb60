/**
 * Paths: top channel sequences to conversion, channel flows as Sankey data, where
 * journeys stall, start and end; over the same journeys attribution reads.
 */
import type { Db } from '../../store/index.ts';
import { readJourneyGroups } from '../journeys/index.ts';
import type { Range } from '../range.ts';
import { getTaxonomy } from '../touchpoints/index.ts';
import { PathReportBuilder, type PathReport } from './report.ts';

export { PathReportBuilder, CONVERTED, DROPPED, type PathReport, type PathStat, type ChannelStat, type StallStat, type SankeyNode, type SankeyLink } from './report.ts';

export interface PathQuery {
  range: Range;
  lookbackMs: number;
  /** Default: the taxonomy's conversion event. */
  conversion?: string;
  /** Steps shown per journey (Sankey depth, top path length). Default 5. */
  maxSteps?: number;
  /** Top paths returned. Default 20. */
  limit?: number;
}

export async function pathReport(db: Db, workspaceId: string, q: PathQuery): Promise<PathReport> {
  const taxonomy = await getTaxonomy(db, workspaceId);
  const builder = new PathReportBuilder(q.maxSteps ?? 5, q.limit ?? 20);
  await readJourneyGroups(db, {
    workspaceId, range: q.range, lookbackMs: q.lookbackMs, taxonomy, conversion: { event: q.conversion ?? taxonomy.conversion.event },
  }, rows => builder.add(rows));
  return builder.build();
}
