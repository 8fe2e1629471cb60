/**
 * Compiles a parsed condition into a tree of closures: comparisons, durations, paths and
 * hashes are prepared once, and evaluating allocates nothing per node.
 *
 * How `recheckAt` combines (each child reports the earliest time it can flip, never later
 * than it really flips):
 * - all, true: the first child to flip makes it false → min over children.
 * - all, false: it stays false while any false child stays false → max over the false
 *   children (never, if one of them never flips).
 * - any: the mirror image. not: the child's time.
 * So the scheduled path, re-checking at recheckAt, never misses a change.
 */
import type { Condition } from './types.ts';
import { compileComparison } from './compare.ts';
import { getPath, splitPath } from './path.ts';
import { compileEvent } from './events.ts';
import { compileNear } from './geo.ts';
import { compileSample } from './sample.ts';
import type { Node } from './node.ts';

/** Cheap, time-independent children first: a false one ends an `all` without scanning events. */
function cost(c: Condition): number {
  if ('all' in c) return c.all.reduce((s, x) => s + cost(x), 0);
  if ('any' in c) return c.any.reduce((s, x) => s + cost(x), 0);
  if ('not' in c) return cost(c.not);
  if ('event' in c) return c.of ? 20 : 10;
  return 'near' in c ? 2 : 1;
}

export function compileNode(c: Condition): Node {
  if ('all' in c) return allNode([...c.all].sort((a, b) => cost(a) - cost(b)).map(compileNode));
  if ('any' in c) return anyNode([...c.any].sort((a, b) => cost(a) - cost(b)).map(compileNode));
  if ('not' in c) {
    const child = compileNode(c.not);
    return (ctx, now) => !child(ctx, now);
  }
  if ('event' in c) return compileEvent(c);
  return staticNode(compileStatic(c));
}

type StaticTest = (input: Parameters<Node>[0]['input']) => boolean;

/** Conditions that only new data can change, never time alone. */
function compileStatic(c: Condition): StaticTest {
  if ('trait' in c) {
    const keys = splitPath(c.trait), test = compileComparison(c);
    return input => test(getPath(input.profile.traits, keys));
  }
  if ('computed' in c) {
    const keys = splitPath(c.computed), test = compileComparison(c);
    return input => test(getPath(input.computed, keys));
  }
  if ('near' in c) {
    const near = compileNear(c.near, c.km, c.at);
    return input => near(input.profile);
  }
  if ('consent' in c) {
    const kind = c.consent;
    return input => Object.hasOwn(input.profile.consent, kind) && input.profile.consent[kind].status === 'granted';
  }
  if ('reachable' in c) {
    const channel = c.reachable;
    return input => {
      const reach = Object.hasOwn(input.profile.channels, channel) ? input.profile.channels[channel] : undefined;
      return typeof reach === 'object' && reach !== null && (reach as { reachable?: unknown }).reachable === true;
    };
  }
  if ('segment' in c) {
    const id = c.segment;
    return input => input.segments.has(id);
  }
  if ('sample' in c) {
    const inSample = compileSample(c.sample.percent, c.sample.salt);
    return input => inSample(input.profile.id);
  }
  throw new Error(`not a condition: ${JSON.stringify(c)}`);
}

function staticNode(test: StaticTest): Node {
  return ctx => {
    ctx.at = Infinity;
    return test(ctx.input);
  };
}

function allNode(children: Node[]): Node {
  return (ctx, now) => {
    let minAt = Infinity, maxFalseAt = -Infinity, anyFalse = false;
    for (const child of children) {
      const m = child(ctx, now);
      const at = ctx.at;
      if (!m) {
        // False until at least `at`: nothing can make the whole true before then.
        if (at === Infinity) { ctx.at = Infinity; return false; }
        anyFalse = true;
        if (at > maxFalseAt) maxFalseAt = at;
      } else if (at < minAt) minAt = at;
    }
    ctx.at = anyFalse ? maxFalseAt : minAt;
    return !anyFalse;
  };
}

function anyNode(children: Node[]): Node {
  return (ctx, now) => {
    let minAt = Infinity, maxTrueAt = -Infinity, anyTrue = false;
    for (const child of children) {
      const m = child(ctx, now);
      const at = ctx.at;
      if (m) {
        if (at === Infinity) { ctx.at = Infinity; return true; }
        anyTrue = true;
        if (at > maxTrueAt) maxTrueAt = at;
      } else if (at < minAt) minAt = at;
    }
    ctx.at = anyTrue ? maxTrueAt : minAt;
    return anyTrue;
  };
}
