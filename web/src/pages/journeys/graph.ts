// The journey as a graph: one node per step plus the entry, edges from every field that
// names a following step, and a deterministic top-to-bottom layered layout. The
// definition schema allows no UI metadata, so positions are recomputed from the graph
// alone and a reload always shows the same canvas.
import { ENTRY, short, type Definition, type Step } from './model.ts';

export interface FlowEdge {
  id: string;
  from: string;
  /** A step id, or a holdout terminal node id. */
  to: string;
  /** The field under the source step naming the target ("next", "cases.0.next"...); "start" for the entry. */
  field: string;
  label: string;
  kind: 'next' | 'case' | 'else' | 'path' | 'holdout' | 'event' | 'timeout' | 'start';
}

export const holdoutNode = (step: string, i: number) => `__holdout:${step}:${i}`;

export function edgesOf(id: string, s: Step): FlowEdge[] {
  const e = (to: unknown, field: string, label: string, kind: FlowEdge['kind']): FlowEdge =>
    ({ id: `${id}:${field}`, from: id, to: typeof to === 'string' ? to : '', field, label, kind });
  switch (s.type) {
    case 'exit': return [];
    case 'branch': {
      const cases = Array.isArray(s.cases) ? s.cases as { if?: unknown; next?: unknown }[] : [];
      return [...cases.map((c, i) => e(c.next, `cases.${i}.next`, `if ${describeCondition(c.if)}`, 'case')), e(s.else, 'else', 'else', 'else')];
    }
    case 'split': {
      const paths = Array.isArray(s.paths) ? s.paths as { percent?: number; next?: unknown; holdout?: boolean }[] : [];
      return paths.map((p, i) => p.holdout
        ? e(holdoutNode(id, i), `paths.${i}.holdout`, `${p.percent ?? '?'}% holdout`, 'holdout')
        : e(p.next, `paths.${i}.next`, `${p.percent ?? '?'}%`, 'path'));
    }
    case 'wait_event': {
      const events = Array.isArray(s.events) ? s.events as { event?: string; next?: unknown }[] : [];
      return [...events.map((ev, i) => e(ev.next, `events.${i}.next`, ev.event || '(event?)', 'event')),
        e(s.on_timeout, 'on_timeout', `everyone else${s.timeout ? ` after ${String(s.timeout)}` : ''}`, 'timeout')];
    }
    default: return [e(s.next, 'next', '', 'next')];
  }
}

/** Every edge of the journey, entry first, in the definition's step order; dangling ones included. */
export function allEdges(def: Definition): FlowEdge[] {
  const out: FlowEdge[] = [{ id: `${ENTRY}:start`, from: ENTRY, to: def.start, field: 'start', label: '', kind: 'start' }];
  for (const [id, s] of Object.entries(def.steps)) out.push(...edgesOf(id, s));
  return out;
}

/** Condition JSON in a few words: the common trait/event/segment shapes, else short JSON. */
export function describeCondition(c: unknown): string {
  if (c === undefined || c === null) return '(condition?)';
  if (typeof c === 'object' && !Array.isArray(c)) {
    const o = c as Record<string, unknown>;
    if (typeof o.trait === 'string' && typeof o.op === 'string') return `${o.trait} ${o.op}${o.value !== undefined ? ` ${short(o.value, 16)}` : ''}`;
    if (typeof o.segment === 'string') return `in ${o.segment}`;
    if (typeof o.event === 'string') return `did ${o.event}`;
  }
  return short(c, 28);
}

export interface Placed { id: string; layer: number; order: number }

/**
 * Layers by longest path from the entry over the graph without its back edges (found by a
 * depth-first search in edge order), then orders each layer by the mean position of its
 * parents so edges cross little. Nodes not reachable go to one last layer.
 */
export function layout(def: Definition): Map<string, Placed> {
  const edges = allEdges(def);
  const nodes = [ENTRY, ...Object.keys(def.steps), ...edges.filter(e => e.kind === 'holdout').map(e => e.to)];
  const known = new Set(nodes);
  const out = new Map<string, string[]>();
  for (const e of edges) if (known.has(e.to)) (out.get(e.from) ?? out.set(e.from, []).get(e.from) as string[]).push(e.to);
  const back = new Set<string>();
  const state = new Map<string, 1 | 2>();
  const post: string[] = [];
  const dfs = (n: string) => {
    state.set(n, 1);
    for (const m of out.get(n) ?? []) {
      if (state.get(m) === 1) back.add(`${n}>${m}`);
      else if (!state.has(m)) dfs(m);
    }
    state.set(n, 2);
    post.push(n);
  };
  dfs(ENTRY);
  const layer = new Map<string, number>([[ENTRY, 0]]);
  for (const n of post.reverse()) {
    for (const m of out.get(n) ?? []) {
      if (back.has(`${n}>${m}`)) continue;
      layer.set(m, Math.max(layer.get(m) ?? 0, (layer.get(n) ?? 0) + 1));
    }
  }
  const reached = [...layer.keys()];
  const last = Math.max(0, ...layer.values()) + 1;
  for (const n of nodes) if (!layer.has(n)) layer.set(n, last);
  const byLayer = new Map<number, string[]>();
  for (const n of [...reached, ...nodes.filter(n => !reached.includes(n))]) {
    const l = layer.get(n) as number;
    const list = byLayer.get(l) ?? byLayer.set(l, []).get(l) as string[];
    if (!list.includes(n)) list.push(n);
  }
  const placed = new Map<string, Placed>();
  const parents = new Map<string, string[]>();
  for (const e of edges) if (known.has(e.to) && !back.has(`${e.from}>${e.to}`)) (parents.get(e.to) ?? parents.set(e.to, []).get(e.to) as string[]).push(e.from);
  for (const l of [...byLayer.keys()].sort((a, b) => a - b)) {
    const list = byLayer.get(l) as string[];
    const rank = (n: string) => {
      const ps = (parents.get(n) ?? []).map(p => placed.get(p)).filter((p): p is Placed => !!p);
      return ps.length ? ps.reduce((a, p) => a + p.order - (byLayer.get(p.layer)!.length - 1) / 2, 0) / ps.length : 0;
    };
    const sorted = list.map((n, i) => ({ n, i, r: rank(n) })).sort((a, b) => a.r - b.r || a.i - b.i);
    sorted.forEach(({ n }, order) => placed.set(n, { id: n, layer: l, order }));
  }
  return placed;
}

export const NODE_W = 240, NODE_H = 120, GAP_X = 60, GAP_Y = 70;

/** Pixel position of a placed node: layers go down, each layer centred on x = 0. */
export function position(p: Placed, layerSize: number): { x: number; y: number } {
  return { x: (p.order - (layerSize - 1) / 2) * (NODE_W + GAP_X), y: p.layer * (NODE_H + GAP_Y) };
}
