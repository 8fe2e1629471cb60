import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, can, get, post, put } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { ErrorBox, Loading } from '../../ui.tsx';
import { CHANNELS, blank, fieldOf, payload, type Variant } from './fields.ts';
import { VariantFields } from './VariantFields.tsx';
import { Preview } from './Preview.tsx';

const label = (v: Variant) => `${v.channel} · ${v.locale || 'default'}`;
const same = (a: Variant, b: Variant) => a.channel === b.channel && (a.locale ?? '') === (b.locale ?? '');

export function TemplateEditor({ templateKey }: { templateKey: string | null }) {
  const { user } = useAuth();
  const nav = useNavigate();
  const [stored, setStored] = useState<Variant[] | null>(templateKey ? null : []);
  const [draft, setDraft] = useState<Variant>(blank('email'));
  const [keyInput, setKeyInput] = useState('');
  const [loadError, setLoadError] = useState<unknown>();
  const [saveError, setSaveError] = useState<unknown>();
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const editable = can(user, 'write');

  useEffect(() => {
    if (!templateKey) return;
    get<{ variants: Variant[] }>(`templates/${encodeURIComponent(templateKey)}`).then(r => { setStored(r.variants); setDraft(r.variants[0]); }, setLoadError);
  }, [templateKey]);

  if (loadError) return <><BackLink /><ErrorBox error={loadError} /></>;
  if (!stored) return <Loading />;
  const key = templateKey ?? keyInput.trim();
  const isStored = stored.some(v => same(v, draft));

  const save = async () => {
    setBusy(true); setSaveError(undefined); setSaved(null);
    try {
      const body = payload(draft);
      if (!templateKey) {
        await post('templates', { key, ...body });
        nav(`/templates/${encodeURIComponent(key)}`, { replace: true });
        return;
      }
      await put(`templates/${encodeURIComponent(key)}`, body);
      const r = await get<{ variants: Variant[] }>(`templates/${encodeURIComponent(key)}`);
      setStored(r.variants);
      setSaved(`Saved ${label(body)}.`);
    } catch (e) { setSaveError(e); } finally { setBusy(false); }
  };
  const errField = saveError instanceof ApiError ? fieldOf(saveError.message) : null;

  return (
    <div className="templates">
      <BackLink />
      <h1>{templateKey ?? 'New template'}</h1>
      {templateKey && (
        <div className="variants row" role="tablist" aria-label="Variants">
          {stored.map(v => <button key={label(v)} role="tab" aria-selected={same(v, draft)} className={same(v, draft) ? 'on' : ''} onClick={() => setDraft(v)}>{label(v)}</button>)}
          {!isStored && <button role="tab" aria-selected className="on">{label(draft)} (new)</button>}
          {editable && <button className="link" onClick={() => setDraft({ ...draft, locale: '' })} disabled={!isStored}>+ locale variant</button>}
          {editable && (
            <select aria-label="Add a channel" value="" onChange={e => e.target.value && setDraft(blank(e.target.value))}>
              <option value="">+ channel…</option>
              {CHANNELS.filter(c => !stored.some(v => v.channel === c)).map(c => <option key={c}>{c}</option>)}
            </select>
          )}
        </div>
      )}
      <div className="tpl-grid">
        <form className="card tpl-form" onSubmit={e => { e.preventDefault(); void save(); }}>
          {!templateKey && (
            <label className={errField === 'key' ? 'bad' : ''}>Key <input aria-label="Key" value={keyInput} placeholder="welcome_email" onChange={e => setKeyInput(e.target.value)} required /></label>
          )}
          <div className="row">
            <label>Channel <select aria-label="Channel" value={draft.channel} disabled={isStored && !!templateKey} onChange={e => setDraft(blank(e.target.value))}>
              {CHANNELS.map(c => <option key={c}>{c}</option>)}
            </select></label>
            <label className={errField === 'locale' ? 'bad' : ''}>Locale <input aria-label="Locale" value={draft.locale ?? ''} placeholder="default" size={8} disabled={isStored && !!templateKey}
              onChange={e => setDraft({ ...draft, locale: e.target.value })} /></label>
          </div>
          <VariantFields value={draft} onChange={setDraft} errorField={errField} readOnly={!editable} />
          <ErrorBox error={saveError} />
          {saved && <div className="ok" role="status">{saved}</div>}
          {editable && <div className="row"><button type="submit" disabled={busy || !key}>{busy ? 'Saving…' : isStored ? 'Save' : 'Create'}</button></div>}
        </form>
        <Preview templateKey={key || 'draft'} draft={payload(draft)} />
      </div>
    </div>
  );
}

const BackLink = () => <Link to="/templates" className="back">← Templates</Link>;
