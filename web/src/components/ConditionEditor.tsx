// A visual editor for the condition language (segments, journey branches, previews):
// nested all/any groups, "exclude" (not) on any part, one row per leaf kind, and the
// same condition as JSON for whoever prefers typing it.
import { useEffect, useState, type ReactNode } from 'react';
import type { Cond } from './ConditionEditorFields.tsx';
import {
  ComputedLeaf, ConsentLeaf, EventLeaf, NearLeaf, ReachableLeaf, SampleLeaf, SegmentLeaf, TraitLeaf, type EditorContext,
} from './ConditionEditorLeaves.tsx';
import './ConditionEditor.css';

export type { Cond } from './ConditionEditorFields.tsx';
export type { EditorContext } from './ConditionEditorLeaves.tsx';

const KINDS: [string, string, (ctx: EditorContext) => Cond][] = [
  ['trait', 'Trait', () => ({ trait: '', op: 'eq', value: '' })],
  ['event', 'Event', () => ({ event: '', count: { op: 'gte', value: 1 }, within: '30d' })],
  ['computed', 'Computed trait', ctx => ({ computed: ctx.computedTraits[0] ?? 'lifetime_value', op: 'gte', value: 100 })],
  ['consent', 'Consent', () => ({ consent: 'email' })],
  ['reachable', 'Reachable on channel', () => ({ reachable: 'email' })],
  ['segment', 'In another segment', ctx => ({ segment: ctx.segments[0]?.id ?? '' })],
  ['near', 'Near a place', () => ({ near: { lat: 40.7397, lng: -73.9903 }, km: 25 })],
  ['sample', 'Random sample', () => ({ sample: { percent: 10, salt: 'sample' } })],
  ['all', 'Group: all of', () => ({ all: [] })],
  ['any', 'Group: any of', () => ({ any: [] })],
];

const LEAVES: Record<string, (p: { c: Cond; onChange: (c: Cond) => void; ctx: EditorContext }) => ReactNode> = {
  trait: TraitLeaf, event: EventLeaf, computed: ComputedLeaf, consent: ConsentLeaf, reachable: ReachableLeaf,
  segment: SegmentLeaf, near: NearLeaf, sample: SampleLeaf,
};

const isGroup = (c: Cond) => Array.isArray(c.all) || Array.isArray(c.any);

/** The editor works on a group at the root; a lone condition becomes a group of one, which means the same. */
export const asGroup = (c: unknown): Cond => {
  if (c && typeof c === 'object' && !Array.isArray(c) && isGroup(c as Cond)) return c as Cond;
  return { all: c && typeof c === 'object' ? [c as Cond] : [] };
};

export function ConditionEditor({ value, onChange, ctx, readOnly = false }: { value: Cond; onChange: (c: Cond) => void; ctx: EditorContext; readOnly?: boolean }) {
  const [mode, setMode] = useState<'visual' | 'json'>('visual');
  return (
    <div className="ce">
      <div className="ce-tabs" role="tablist">
        <button type="button" role="tab" aria-selected={mode === 'visual'} onClick={() => setMode('visual')}>Visual</button>
        <button type="button" role="tab" aria-selected={mode === 'json'} onClick={() => setMode('json')}>JSON</button>
      </div>
      <fieldset disabled={readOnly} className="ce-body">
        {mode === 'visual'
          ? <Group c={asGroup(value)} onChange={onChange} ctx={ctx} depth={0} />
          : <JsonView value={value} onChange={c => onChange(c)} />}
      </fieldset>
    </div>
  );
}

function JsonView({ value, onChange }: { value: Cond; onChange: (c: Cond) => void }) {
  const [text, setText] = useState(() => JSON.stringify(value, null, 2));
  const [problem, setProblem] = useState<string | null>(null);
  // Follows outside changes, but not while the text being typed is a different spelling of the same value.
  useEffect(() => {
    setText(t => { try { return JSON.stringify(JSON.parse(t)) === JSON.stringify(value) ? t : JSON.stringify(value, null, 2); } catch { return t; } });
  }, [value]);
  return (
    <div>
      <textarea aria-label="condition JSON" className="ce-json" spellCheck={false} value={text} onChange={e => {
        setText(e.target.value);
        try {
          const v: unknown = JSON.parse(e.target.value);
          if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('a condition is a JSON object, e.g. {"all": [...]}');
          setProblem(null);
          onChange(v as Cond);
        } catch (err) { setProblem((err as Error).message); }
      }} />
      {problem && <div className="error" role="alert">Not valid JSON yet: {problem}</div>}
    </div>
  );
}

function Group({ c, onChange, ctx, depth }: { c: Cond; onChange: (c: Cond) => void; ctx: EditorContext; depth: number }) {
  const kind = Array.isArray(c.any) ? 'any' : 'all';
  const children = (c[kind] as Cond[]) ?? [];
  const setChildren = (list: Cond[]) => onChange({ [kind]: list });
  return (
    <div className={`ce-group ce-depth-${depth % 3}`} data-testid="cond-group">
      <div className="ce-line">
        <span>Match</span>
        <select aria-label="match" value={kind} onChange={e => onChange({ [e.target.value]: children })}>
          <option value="all">all</option>
          <option value="any">any</option>
        </select>
        <span>of these{depth === 0 ? '' : ' (group)'}:</span>
      </div>
      {children.length === 0 && <div className="muted ce-hint">{depth === 0 ? 'No conditions yet: this matches every profile. Add one below.' : 'An empty group: add a condition to it.'}</div>}
      {children.map((child, i) => (
        <Node key={i} c={child} ctx={ctx} depth={depth}
          onChange={next => setChildren(children.map((x, j) => (j === i ? next : x)))}
          onRemove={() => setChildren(children.filter((_, j) => j !== i))} />
      ))}
      <AddMenu ctx={ctx} onAdd={n => setChildren([...children, n])} label={depth === 0 ? 'Add condition' : 'Add to group'} />
    </div>
  );
}

function Node({ c, onChange, onRemove, ctx, depth }: { c: Cond; onChange: (c: Cond) => void; onRemove: () => void; ctx: EditorContext; depth: number }) {
  const negated = c.not !== undefined && typeof c.not === 'object';
  const inner = negated ? (c.not as Cond) : c;
  const set = (x: Cond) => onChange(negated ? { not: x } : x);
  const kind = Object.keys(inner).find(k => k in LEAVES);
  const body = isGroup(inner)
    ? <Group c={inner} onChange={set} ctx={ctx} depth={depth + 1} />
    : kind ? LEAVES[kind]({ c: inner, onChange: set, ctx })
      : <div className="error">Unknown condition {JSON.stringify(inner)}: edit it in the JSON view.</div>;
  return (
    <div className={`ce-node${negated ? ' ce-not' : ''}`} data-testid="cond-node">
      <label className="ce-small ce-exclude" title="Match profiles for which this is NOT true">
        <input type="checkbox" aria-label="exclude" checked={negated} onChange={e => onChange(e.target.checked ? { not: inner } : inner)} />not
      </label>
      <div className="ce-content">{body}</div>
      <button type="button" className="ce-x" aria-label="remove condition" onClick={onRemove}>✕</button>
    </div>
  );
}

function AddMenu({ ctx, onAdd, label }: { ctx: EditorContext; onAdd: (c: Cond) => void; label: string }) {
  return (
    <select aria-label={label} className="ce-add" value="" onChange={e => {
      const k = KINDS.find(([key]) => key === e.target.value);
      if (k) onAdd(k[2](ctx));
    }}>
      <option value="">+ {label}…</option>
      {KINDS.map(([k, l]) => <option key={k} value={k}>{l}</option>)}
    </select>
  );
}
