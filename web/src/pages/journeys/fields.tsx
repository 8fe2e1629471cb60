// Form pieces of the step panel. Optional fields left empty are removed from the step, so
// the definition holds only what the marketer chose.
import { useState, type ReactNode } from 'react';

/** A copy of `o` with `key` set, or removed when the value is empty. */
export function withField<T extends object>(o: T, key: string, value: unknown): T {
  const next = { ...o } as Record<string, unknown>;
  if (value === undefined || value === '') delete next[key]; else next[key] = value;
  return next as T;
}

export function Field({ label, children, hint }: { label: string; children: ReactNode; hint?: string }) {
  return <label className="jfield"><span>{label}</span>{children}{hint && <small className="muted">{hint}</small>}</label>;
}

export function Text({ label, value, onChange, placeholder, hint, disabled, list }: {
  label: string; value: unknown; onChange: (v: string) => void; placeholder?: string; hint?: string; disabled?: boolean; list?: string;
}) {
  return <Field label={label} hint={hint}><input aria-label={label} value={typeof value === 'string' || typeof value === 'number' ? String(value) : ''} placeholder={placeholder} disabled={disabled} list={list} onChange={e => onChange(e.target.value)} /></Field>;
}

export function Select({ label, value, options, onChange, disabled }: {
  label: string; value: string; options: [string, string][]; onChange: (v: string) => void; disabled?: boolean;
}) {
  return (
    <Field label={label}>
      <select aria-label={label} value={value} disabled={disabled} onChange={e => onChange(e.target.value)}>
        {!options.some(([v]) => v === value) && <option value={value}>{value || '(choose)'}</option>}
        {options.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
      </select>
    </Field>
  );
}

export interface Ctx { stepIds: string[]; self: string; newExit: string; disabled: boolean; templates: string[] }

/** Where a way out of the step leads: any step, or a new exit step. */
export function NextSelect({ label, value, onChange, ctx }: { label: string; value: unknown; onChange: (v: string) => void; ctx: Ctx }) {
  const options: [string, string][] = [...ctx.stepIds.filter(id => id !== ctx.self).map((id): [string, string] => [id, id]), [ctx.newExit, `a new exit step (${ctx.newExit})`]];
  return <Select label={label} value={typeof value === 'string' ? value : ''} options={options} onChange={onChange} disabled={ctx.disabled} />;
}

/**
 * JSON edited as text: the value changes only when the text parses, and the parse error is
 * shown under the box. `optional` lets an empty box mean "not set".
 */
export function JsonText({ label, value, onChange, optional, hint, disabled, rows = 4 }: {
  label: string; value: unknown; onChange: (v: unknown) => void; optional?: boolean; hint?: string; disabled?: boolean; rows?: number;
}) {
  const [text, setText] = useState(() => (value === undefined || value === null ? '' : JSON.stringify(value, null, 2)));
  const [error, setError] = useState<string | null>(null);
  const edit = (t: string) => {
    setText(t);
    if (!t.trim()) { setError(optional ? null : 'required'); onChange(optional ? undefined : null); return; }
    try { onChange(JSON.parse(t)); setError(null); } catch (e) { setError(`not valid JSON: ${(e as Error).message}`); }
  };
  return (
    <Field label={label} hint={hint}>
      <textarea aria-label={label} className={error ? 'bad' : ''} rows={rows} value={text} disabled={disabled} spellCheck={false} onChange={e => edit(e.target.value)} />
      {error && <span className="jfield-error" role="alert">{error}</span>}
    </Field>
  );
}

export function Checks<T extends string>({ label, all, value, onChange, disabled }: { label: string; all: readonly T[]; value: T[]; onChange: (v: T[]) => void; disabled?: boolean }) {
  return (
    <fieldset className="jchecks" disabled={disabled}>
      <legend>{label}</legend>
      {all.map(x => (
        <label key={x}><input type="checkbox" checked={value.includes(x)} onChange={e => onChange(e.target.checked ? all.filter(y => y === x || value.includes(y)) : value.filter(y => y !== x))} />{x}</label>
      ))}
    </fieldset>
  );
}

/** A comma-separated list kept as typed (a trailing comma survives), handed on as a list. */
export function ListText({ label, value, onChange, hint, disabled }: { label: string; value: string[]; onChange: (v: string[]) => void; hint?: string; disabled?: boolean }) {
  const [text, setText] = useState(value.join(', '));
  return <Field label={label} hint={hint}><input aria-label={label} value={text} disabled={disabled}
    onChange={e => { setText(e.target.value); onChange(e.target.value.split(',').map(s => s.trim()).filter(Boolean)); }} /></Field>;
}
