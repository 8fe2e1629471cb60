import type { Condition } from './condition/index.ts';

/** A journey as the caller loads it: its draft and, when published, the live version. */
export interface JourneyDefs { id: string; name: string; status: string; draft: unknown; published: unknown }

export interface SegmentUsage {
  segments: { id: string; name: string; paths: string[] }[];
  journeys: { id: string; name: string; status: string; paths: string[] }[];
}

/**
 * JSON paths at which `json` names segment `id`: every `{"segment": id}`, which is how both
 * conditions and journey entries refer to a segment.
 */
export function segmentPaths(json: unknown, id: string, path = ''): string[] {
  if (Array.isArray(json)) return json.flatMap((x, i) => segmentPaths(x, id, path ? `${path}.${i}` : String(i)));
  if (!json || typeof json !== 'object') return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(json)) {
    const at = path ? `${path}.${k}` : k;
    if (k === 'segment' && v === id) out.push(at);
    else out.push(...segmentPaths(v, id, at));
  }
  return out;
}

/** Listed by name, so the answer reads the same however the journeys were loaded. */
export function usageOf(id: string, segments: { id: string; name: string; condition: Condition }[], journeys: JourneyDefs[]): SegmentUsage {
  const byName = <T extends { name: string; id: string }>(a: T, b: T) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
  return {
    segments: segments.map(s => ({ id: s.id, name: s.name, paths: segmentPaths(s.condition, id, 'condition') })).filter(s => s.paths.length).sort(byName),
    journeys: journeys.map(j => ({
      id: j.id, name: j.name, status: j.status,
      // One path list for both: a reference in the draft only is still one the editor must know about.
      paths: [...new Set([...segmentPaths(j.published, id, 'published'), ...segmentPaths(j.draft, id, 'draft')])],
    })).filter(j => j.paths.length).sort(byName),
  };
}
