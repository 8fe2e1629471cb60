interface Waiting<T, R> { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }

export interface GroupCommitOptions<T> {
  /** At most this much weight per write (an item heavier than it goes alone). Default: no limit. */
  maxWeight?: number;
  /** An item's weight; default 1. */
  weight?: (item: T) => number;
}

/**
 * Group commit: one `write` at a time, and each takes every item that queued while the
 * previous one ran (up to `maxWeight`), so one statement serves many callers and throughput
 * grows with load instead of latency. The returned function resolves with its own item's
 * result once the write that carried it is done, or rejects with that write's error; the
 * items of later writes are not affected. Writes run in the order items queued.
 *
 * `write` answers one result per item, in the items' order, or nothing when callers need only
 * to know their item is written.
 */
export function groupCommit<T, R = void>(write: (items: T[]) => Promise<R[] | void>, opts: GroupCommitOptions<T> = {}): (item: T) => Promise<R> {
  const maxWeight = opts.maxWeight ?? Infinity;
  const weight = opts.weight ?? (() => 1);
  let queue: Waiting<T, R>[] = [];
  let flushing = false;

  const takeNext = (): Waiting<T, R>[] => {
    let n = 0;
    for (let w = 0; n < queue.length; n++) {
      w += weight(queue[n].item);
      if (n > 0 && w > maxWeight) break;
    }
    if (n === queue.length) { const all = queue; queue = []; return all; }
    return queue.splice(0, n);
  };

  const flush = async () => {
    flushing = true;
    try {
      while (queue.length) {
        const take = takeNext();
        try {
          const results = await write(take.map(w => w.item));
          take.forEach((w, i) => w.resolve(results?.[i] as R));
        } catch (e) {
          for (const w of take) w.reject(e);
        }
      }
    } finally { flushing = false; }
  };

  return item => new Promise<R>((resolve, reject) => {
    queue.push({ item, resolve, reject });
    if (!flushing) void flush();
  });
}
