/**
 * Paths as flat typed arrays with channels interned to small ints. Every model reads this
 * form, so a million paths are validated and interned once, and the inner loops touch
 * numbers in contiguous memory instead of objects and strings.
 */
import { invalid } from '../../shared/index.ts';
import type { Path } from './types.ts';

export interface Encoded {
  /** Channel names by id, in order of first appearance. */
  channels: string[];
  pathCount: number;
  /** Path i's touches are touches[offsets[i] .. offsets[i + 1]). */
  offsets: Int32Array;
  /** Channel id of each touch. */
  touches: Int32Array;
  direct: Uint8Array;
  /** NaN where a touch has no time. */
  at: Float64Array;
  conversions: Float64Array;
  values: Float64Array;
  nulls: Float64Array;
  totalConversions: number;
  totalValue: number;
}

export function encodePaths(paths: readonly Path[], directChannels: readonly string[] = ['direct']): Encoded {
  if (!Array.isArray(paths)) throw invalid('paths', 'expected an array of paths');
  const directNames = new Set(directChannels.map(c => c.toLowerCase()));
  const pathCount = paths.length;
  let touchCount = 0;
  for (let i = 0; i < pathCount; i++) {
    const p = paths[i];
    if (p === null || typeof p !== 'object' || !Array.isArray(p.touches)) throw invalid(`paths[${i}].touches`, 'expected an array of touches');
    // A path with no touch has nobody to credit, so its conversions could not add up.
    if (p.touches.length === 0) throw invalid(`paths[${i}].touches`, 'a path needs at least one touch');
    touchCount += p.touches.length;
  }

  const ids = new Map<string, number>();
  const channels: string[] = [];
  const isDirect: boolean[] = [];
  const offsets = new Int32Array(pathCount + 1);
  const touches = new Int32Array(touchCount);
  const direct = new Uint8Array(touchCount);
  const at = new Float64Array(touchCount);
  const conversions = new Float64Array(pathCount);
  const values = new Float64Array(pathCount);
  const nulls = new Float64Array(pathCount);
  let totalConversions = 0;
  let totalValue = 0;
  let t = 0;

  for (let i = 0; i < pathCount; i++) {
    const p = paths[i];
    conversions[i] = count(p.conversions, i, 'conversions');
    nulls[i] = count(p.nulls, i, 'nulls');
    values[i] = count(p.value, i, 'value');
    // Value with no conversion could be credited by the rule models but never reached by
    // the Markov chain, and the models would stop adding up to the same total.
    if (p.value > 0 && conversions[i] === 0) throw invalid(`paths[${i}].value`, 'a path without conversions cannot have a value');
    totalConversions += conversions[i];
    totalValue += p.value;
    offsets[i] = t;
    const list = p.touches;
    for (let j = 0; j < list.length; j++, t++) {
      const touch = list[j];
      const name = touch?.channel;
      let id = ids.get(name);
      if (id === undefined) {
        if (typeof name !== 'string' || name === '') throw invalid(`paths[${i}].touches[${j}].channel`, 'expected a non-empty channel name');
        id = channels.length;
        ids.set(name, id);
        channels.push(name);
        isDirect.push(directNames.has(name.toLowerCase()));
      }
      touches[t] = id;
      direct[t] = (touch.direct ?? isDirect[id]) ? 1 : 0;
      const when = touch.at;
      if (when === undefined) at[t] = NaN;
      else if (typeof when === 'number' && Number.isFinite(when)) at[t] = when;
      else throw invalid(`paths[${i}].touches[${j}].at`, `expected epoch milliseconds, got ${JSON.stringify(when)}`);
    }
  }
  offsets[pathCount] = t;
  return { channels, pathCount, offsets, touches, direct, at, conversions, values, nulls, totalConversions, totalValue };
}

function count(v: unknown, i: number, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(`paths[${i}].${field}`, `expected a number ≥ 0, got ${JSON.stringify(v)}`);
  return v;
}
