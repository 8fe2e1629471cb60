import type { Json } from '../../shared/index.ts';

/** "address.city" → ["address", "city"]; split once at compile time, not per evaluation. */
export const splitPath = (path: string): string[] => path.split('.');

const INDEX_RE = /^(0|[1-9]\d*)$/;

/**
 * Reads a dotted path. Stepping into an array with a non-index key reads that key on
 * every element and flattens, so "products.category" on an order gives every product's
 * category: comparisons then match when any of them does. Only own properties count,
 * so a trait path like "constructor" never reaches Object.prototype.
 */
export function getPath(root: unknown, keys: readonly string[], from = 0): Json | undefined {
  let cur = root;
  for (let i = from; i < keys.length; i++) {
    if (cur === null || typeof cur !== 'object') return undefined;
    const key = keys[i];
    if (Array.isArray(cur)) {
      if (INDEX_RE.test(key)) { cur = cur[Number(key)]; continue; }
      return collect(cur, keys, i);
    }
    if (!Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur as Json | undefined;
}

function collect(items: readonly unknown[], keys: readonly string[], from: number): Json | undefined {
  const out: Json[] = [];
  for (const item of items) {
    const v = getPath(item, keys, from);
    if (v === undefined) continue;
    if (Array.isArray(v)) out.push(...v);
    else out.push(v);
  }
  return out.length ? out : undefined;
}
