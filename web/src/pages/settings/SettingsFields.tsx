/** A provider's settings form, drawn from the JSON Schema the server validates with. */
export interface Schema { type?: string; properties?: Record<string, Prop>; required?: string[] }
interface Prop { type?: string; enum?: unknown[]; default?: unknown; description?: string; format?: string; anyOf?: Prop[] }

const kindOf = (p: Prop): 'text' | 'number' | 'boolean' | 'enum' | 'json' => {
  if (p.enum) return 'enum';
  const t = p.type ?? p.anyOf?.find(x => x.type && x.type !== 'null')?.type;
  if (t === 'string') return 'text';
  if (t === 'integer' || t === 'number') return 'number';
  if (t === 'boolean') return 'boolean';
  return 'json';
};

/** Form values (strings, booleans) from stored settings, else the schema's defaults. */
export function initialValues(schema: Schema, stored: Record<string, unknown>): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const [k, p] of Object.entries(schema.properties ?? {})) {
    const v = stored[k] ?? p.default;
    const kind = kindOf(p);
    if (kind === 'boolean') out[k] = v === true;
    else if (v === undefined || v === '••••') out[k] = '';
    else out[k] = kind === 'json' ? JSON.stringify(v, null, 2) : String(v);
  }
  return out;
}

/** Settings as the API takes them; empty fields are left out (a left-out secret keeps the stored one). */
export function toSettings(schema: Schema, values: Record<string, string | boolean>, secretFields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(schema.properties ?? {})) {
    const v = values[k];
    if (v === '' || v === undefined) continue;
    const kind = kindOf(p);
    if (kind === 'boolean') out[k] = v;
    else if (kind === 'number') out[k] = Number(v);
    else if (kind === 'json') {
      try { out[k] = JSON.parse(String(v)); } catch { throw new Error(`${k}: not valid JSON`); }
    } else out[k] = v;
    if (secretFields.includes(k) && typeof out[k] !== 'string') out[k] = String(v);
  }
  return out;
}

interface Props {
  schema: Schema; secretFields: string[]; secretsSet: Record<string, { set: boolean }>;
  values: Record<string, string | boolean>; onChange: (v: Record<string, string | boolean>) => void;
}

export function SettingsFields({ schema, secretFields, secretsSet, values, onChange }: Props) {
  const required = new Set(schema.required ?? []);
  const props = Object.entries(schema.properties ?? {});
  if (!props.length) return <p className="muted small">This provider takes no settings.</p>;
  return (
    <>
      {props.map(([k, p]) => {
        const kind = kindOf(p);
        const set = (v: string | boolean) => onChange({ ...values, [k]: v });
        const secret = secretFields.includes(k);
        const label = <>{k}{required.has(k) && !secret ? ' *' : ''} {secret && (secretsSet[k]?.set ? <span className="set">set</span> : <span className="hint">secret</span>)}</>;
        if (kind === 'boolean') return <label key={k} className="check"><input type="checkbox" aria-label={k} checked={values[k] === true} onChange={e => set(e.target.checked)} /> {k}</label>;
        return (
          <label key={k} className="field">
            <span>{label}</span>
            {kind === 'enum' ? (
              <select aria-label={k} value={String(values[k] ?? '')} onChange={e => set(e.target.value)}>
                <option value="">(default)</option>{p.enum!.map(o => <option key={String(o)}>{String(o)}</option>)}
              </select>
            ) : kind === 'json' ? (
              <textarea aria-label={k} rows={4} value={String(values[k] ?? '')} placeholder="JSON" onChange={e => set(e.target.value)} />
            ) : (
              // Secrets are write-only: never shown, an empty box keeps the stored one.
              <input aria-label={k} type={secret ? 'password' : kind === 'number' ? 'number' : 'text'} autoComplete="off" value={String(values[k] ?? '')}
                placeholder={secret && secretsSet[k]?.set ? 'set — leave empty to keep' : p.format ?? ''} onChange={e => set(e.target.value)} />
            )}
            {p.description && <span className="hint">{p.description}</span>}
          </label>
        );
      })}
    </>
  );
}
