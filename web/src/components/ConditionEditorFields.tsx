// Small inputs the condition editor is made of: operators, values and event counts,
// each reading and writing the condition language's own JSON.

export type Cond = Record<string, unknown>;
export type Scalar = string | number | boolean | null;

export const OPERATORS: [string, string][] = [
  ['eq', '='], ['neq', '≠'], ['gt', '>'], ['gte', '≥'], ['lt', '<'], ['lte', '≤'], ['between', 'between'],
  ['in', 'is one of'], ['not_in', 'is none of'], ['contains', 'contains'], ['starts_with', 'starts with'],
  ['exists', 'is set'], ['not_exists', 'is not set'],
];
export const COUNT_OPERATORS = OPERATORS.slice(0, 7);
export const CHANNELS = ['web', 'app', 'pos', 'marketplace', 'email', 'sms', 'push', 'messenger', 'whatsapp', 'wechat', 'in_app', 'direct_mail', 'ads', 'call_center', 'server'];
export const REACH_CHANNELS = ['email', 'sms', 'push', 'messenger', 'whatsapp', 'wechat'];

/** Text as typed becomes a number or boolean only when it reads back identically, so "01234" stays a string. */
export function parseScalar(s: string): Scalar {
  const t = s.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t === 'null') return null;
  if (/^".*"$/.test(t)) return t.slice(1, -1);
  if (t !== '' && String(Number(t)) === t) return Number(t);
  return s;
}

export const showScalar = (v: unknown): string => (v === undefined ? '' : typeof v === 'string' ? (String(parseScalar(v)) === v ? v : JSON.stringify(v)) : String(v));

/** op + value + ignoreCase of a comparison; other keys of `c` are kept. */
export function Comparison({ c, onChange, label }: { c: Cond; onChange: (c: Cond) => void; label: string }) {
  const op = String(c.op ?? 'eq');
  const setOp = (next: string) => {
    const out: Cond = { ...c, op: next };
    if (next === 'exists' || next === 'not_exists') delete out.value;
    else if (next === 'between') out.value = Array.isArray(c.value) && c.value.length === 2 ? c.value : [c.value ?? 0, c.value ?? 0];
    else if (next === 'in' || next === 'not_in') out.value = Array.isArray(c.value) ? c.value : c.value === undefined || c.value === '' ? [] : [c.value];
    else out.value = Array.isArray(c.value) ? (c.value[0] ?? '') : (c.value ?? '');
    onChange(out);
  };
  const stringy = ['eq', 'neq', 'in', 'not_in', 'contains', 'starts_with'].includes(op);
  return (
    <>
      <select aria-label={`${label} operator`} value={op} onChange={e => setOp(e.target.value)}>
        {OPERATORS.map(([k, l]) => <option key={k} value={k}>{l}</option>)}
      </select>
      <ValueInput op={op} value={c.value} label={label} onChange={value => onChange({ ...c, value })} />
      {stringy && (
        <label className="ce-small" title="Compare text ignoring upper/lower case">
          <input type="checkbox" checked={c.ignoreCase === true} onChange={e => { const out = { ...c }; if (e.target.checked) out.ignoreCase = true; else delete out.ignoreCase; onChange(out); }} />Aa
        </label>
      )}
    </>
  );
}

function ValueInput({ op, value, label, onChange }: { op: string; value: unknown; label: string; onChange: (v: unknown) => void }) {
  if (op === 'exists' || op === 'not_exists') return null;
  if (op === 'between') {
    const [lo, hi] = Array.isArray(value) ? value : ['', ''];
    return (
      <>
        <input aria-label={`${label} from`} className="ce-num" value={showScalar(lo)} onChange={e => onChange([parseScalar(e.target.value), hi])} />
        <span>and</span>
        <input aria-label={`${label} to`} className="ce-num" value={showScalar(hi)} onChange={e => onChange([lo, parseScalar(e.target.value)])} />
      </>
    );
  }
  if (op === 'in' || op === 'not_in') {
    const list = Array.isArray(value) ? value : [];
    return <input aria-label={`${label} values`} placeholder="a, b, c" value={list.map(showScalar).join(', ')}
      onChange={e => onChange(e.target.value.split(',').map((x, i) => parseScalar(i ? x.replace(/^ /, '') : x)))} />;
  }
  return <input aria-label={`${label} value`} placeholder="value" value={showScalar(value)} onChange={e => onChange(parseScalar(e.target.value))} />;
}

/** An event condition's count: "≥ 2", "between 1 and 3". */
export function CountInput({ count, onChange }: { count: Cond | undefined; onChange: (c: Cond) => void }) {
  const op = String(count?.op ?? 'gte');
  const value = count?.value ?? 1;
  const num = (s: string) => Math.max(0, Math.floor(Number(s) || 0));
  return (
    <>
      <span>count</span>
      <select aria-label="count operator" value={op} onChange={e => {
        const next = e.target.value;
        onChange({ op: next, value: next === 'between' ? (Array.isArray(value) ? value : [value, value]) : (Array.isArray(value) ? value[0] : value) });
      }}>
        {COUNT_OPERATORS.map(([k, l]) => <option key={k} value={k}>{l}</option>)}
      </select>
      {Array.isArray(value)
        ? <>
            <input aria-label="count from" type="number" min={0} className="ce-num" value={value[0]} onChange={e => onChange({ op, value: [num(e.target.value), value[1]] })} />
            <span>and</span>
            <input aria-label="count to" type="number" min={0} className="ce-num" value={value[1]} onChange={e => onChange({ op, value: [value[0], num(e.target.value)] })} />
          </>
        : <input aria-label="count value" type="number" min={0} className="ce-num" value={Number(value)} onChange={e => onChange({ op, value: num(e.target.value) })} />}
    </>
  );
}

/** Property filters of an event (`where`), each a comparison on a dotted property path. */
export function WhereRows({ where, onChange }: { where: Cond[]; onChange: (w: Cond[] | undefined) => void }) {
  const set = (i: number, f: Cond) => onChange(where.map((x, j) => (j === i ? f : x)));
  return (
    <div className="ce-where">
      {where.map((f, i) => (
        <div className="ce-line" key={i} data-testid="where-row">
          <span>where</span>
          <input aria-label="property" placeholder="property, e.g. category" value={String(f.property ?? '')} onChange={e => set(i, { ...f, property: e.target.value })} />
          <Comparison c={f} label="property" onChange={x => set(i, x)} />
          <button type="button" className="ce-x" aria-label="remove filter" onClick={() => { const w = where.filter((_, j) => j !== i); onChange(w.length ? w : undefined); }}>✕</button>
        </div>
      ))}
      <button type="button" className="link" onClick={() => onChange([...where, { property: '', op: 'eq', value: '' }])}>+ property filter</button>
    </div>
  );
}
