/** The items by key, each group in the items' order; groups in the order their keys first came. */
export function groupBy<T, K>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = out.get(k);
    if (group) group.push(item); else out.set(k, [item]);
  }
  return out;
}
