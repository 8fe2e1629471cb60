export interface WhereDraft { property: string; op: string; value: string }
export interface StepDraft { event: string; where: WhereDraft[] }

const OPS = ['eq', 'neq', 'in', 'contains', 'exists', 'matches', 'gt', 'gte', 'lt', 'lte'];
const COMMON = ['Page Viewed', 'Product Viewed', 'Product Added', 'Cart Viewed', 'Checkout Started', 'Order Completed', 'Signed Up', 'Email Opened', 'Email Link Clicked'];

/** The API's step shape: numbers read as numbers, "in" splits on commas, "exists" takes no value. */
export function toQuery(steps: StepDraft[]) {
  return steps.map(s => ({
    event: s.event.trim(),
    ...(s.where.length ? {
      where: s.where.map(w => ({
        property: w.property.trim(), op: w.op,
        ...(w.op === 'exists' ? {} : { value: w.op === 'in' ? w.value.split(',').map(v => scalar(v.trim())) : scalar(w.value) }),
      })),
    } : {}),
  }));
}

// "02134" stays text: only a number that prints back the same is one.
const scalar = (v: string): string | number => (v.trim() !== '' && String(Number(v.trim())) === v.trim() ? Number(v.trim()) : v);

export function StepEditor({ steps, onChange }: { steps: StepDraft[]; onChange: (s: StepDraft[]) => void }) {
  const set = (i: number, s: StepDraft) => onChange(steps.map((x, j) => (j === i ? s : x)));
  return (
    <ol className="steps">
      <datalist id="event-names">{COMMON.map(n => <option key={n} value={n} />)}</datalist>
      {steps.map((s, i) => (
        <li key={i}>
          <div className="row">
            <input aria-label={`Step ${i + 1} event`} list="event-names" value={s.event} placeholder="event name" onChange={e => set(i, { ...s, event: e.target.value })} />
            <button type="button" className="link" onClick={() => set(i, { ...s, where: [...s.where, { property: '', op: 'eq', value: '' }] })}>+ where</button>
            {steps.length > 1 && <button type="button" className="link" aria-label={`Remove step ${i + 1}`} onClick={() => onChange(steps.filter((_, j) => j !== i))}>remove</button>}
          </div>
          {s.where.map((w, k) => {
            const setW = (nw: WhereDraft) => set(i, { ...s, where: s.where.map((x, j) => (j === k ? nw : x)) });
            return (
              <div className="row where" key={k}>
                <span className="muted">where</span>
                <input aria-label={`Step ${i + 1} property`} placeholder="property (e.g. category)" value={w.property} onChange={e => setW({ ...w, property: e.target.value })} />
                <select aria-label={`Step ${i + 1} operator`} value={w.op} onChange={e => setW({ ...w, op: e.target.value })}>{OPS.map(o => <option key={o}>{o}</option>)}</select>
                {w.op !== 'exists' && <input aria-label={`Step ${i + 1} value`} placeholder={w.op === 'in' ? 'a, b, c' : 'value'} value={w.value} onChange={e => setW({ ...w, value: e.target.value })} />}
                <button type="button" className="link" onClick={() => set(i, { ...s, where: s.where.filter((_, j) => j !== k) })}>×</button>
              </div>
            );
          })}
        </li>
      ))}
      {steps.length < 20 && <li className="add"><button type="button" onClick={() => onChange([...steps, { event: '', where: [] }])}>+ Add step</button></li>}
    </ol>
  );
}
