import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { can, del, post, put } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { asGroup, ConditionEditor, type Cond, type EditorContext } from '../../components/ConditionEditor.tsx';
import { ErrorBox, fmt, Loading, useGet, when } from '../../ui.tsx';
import { Estimate } from './Estimate.tsx';
import { Members } from './Members.tsx';
import { UsagePanel } from './Usage.tsx';
import type { Segment } from './types.ts';

export function SegmentPage() {
  const { id } = useParams();
  const { user } = useAuth();
  const nav = useNavigate();
  // Analysts may save what they find as a new segment; changing an existing one is for writers.
  const editable = id ? can(user, 'write') : can(user, 'create_segment');
  const seg = useGet<Segment>(id ? `segments/${id}` : null, [id]);
  const all = useGet<{ data: Segment[] }>('segments');
  const traits = useGet<{ data: { name: string }[] }>('computed-traits');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [condition, setCondition] = useState<Cond>({ all: [] });
  const [loadedId, setLoadedId] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>();
  const [saved, setSaved] = useState<string | null>(null);

  // The form takes the stored segment once per segment, so polling its progress never overwrites an edit.
  useEffect(() => {
    if (seg.data && seg.data.id !== loadedId) {
      setName(seg.data.name); setDescription(seg.data.description ?? ''); setCondition(asGroup(seg.data.condition)); setLoadedId(seg.data.id);
    }
  }, [seg.data, loadedId]);

  const computing = seg.data?.status === 'computing';
  const { reload } = seg;
  useEffect(() => {
    if (!computing) return;
    const t = setInterval(reload, 700);
    return () => clearInterval(t);
  }, [computing, reload]);

  const ctx: EditorContext = {
    segments: (all.data?.data ?? []).filter(s => s.id !== id).map(s => ({ id: s.id, name: s.name })),
    computedTraits: (traits.data?.data ?? []).map(t => t.name),
  };

  const save = async () => {
    setSaving(true); setSaveError(undefined); setSaved(null);
    try {
      const body = { name, description, condition };
      if (id) { await put<Segment>(`segments/${id}`, body); seg.reload(); setSaved('Saved. Membership is being recomputed.'); }
      else { const s = await post<Segment>('segments', body); nav(`/segments/${s.id}`); }
    } catch (e) { setSaveError(e); } finally { setSaving(false); }
  };
  const remove = async () => {
    if (!id || !window.confirm(`Delete segment "${name}"?`)) return;
    try { await del(`segments/${id}`); nav('/segments'); } catch (e) { setSaveError(e); }
  };

  if (id && seg.error && !seg.data) return <div><Link to="/segments">← Segments</Link><ErrorBox error={seg.error} /></div>;
  if (id && !seg.data) return <Loading />;
  const s = seg.data;
  return (
    <div className="seg-page">
      <Link to="/segments">← Segments</Link>
      <div className="row seg-head">
        <input aria-label="segment name" className="seg-name" placeholder="Segment name, e.g. Pro plan browsers" value={name} disabled={!editable} onChange={e => setName(e.target.value)} />
        {editable && <button className="primary" disabled={saving} onClick={() => void save()}>{saving ? 'Saving…' : id ? 'Save' : 'Create segment'}</button>}
        {editable && id && <button onClick={() => void remove()}>Delete</button>}
      </div>
      <input aria-label="description" className="seg-descr" placeholder="What this segment is for (optional)" value={description} disabled={!editable} onChange={e => setDescription(e.target.value)} />
      <ErrorBox error={saveError} />
      {saved && <div className="seg-ok" role="status">{saved}</div>}
      {s && <Status s={s} />}
      <div className="seg-grid">
        <section className="card" aria-label="condition">
          <ConditionEditor value={condition} onChange={setCondition} ctx={ctx} readOnly={!editable} />
        </section>
        <Estimate condition={condition} />
      </div>
      {s && <Members segment={s} />}
      {s && <UsagePanel id={s.id} />}
    </div>
  );
}

function Status({ s }: { s: Segment }) {
  const pct = s.progress.total ? Math.floor((s.progress.done / s.progress.total) * 100) : 100;
  if (s.status === 'computing') {
    return (
      <div className="card seg-status">
        <div>Computing membership over every profile: {fmt(s.progress.done)} of {fmt(s.progress.total)}</div>
        <div className="seg-bar" role="progressbar" aria-label="compute progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}><div style={{ width: `${pct}%` }} /></div>
      </div>
    );
  }
  return (
    <div className="card seg-status" data-testid="segment-status">
      <b data-testid="segment-size">{fmt(s.size)}</b> members · ready · version {s.version} · updated {when(s.updatedAt)}
    </div>
  );
}
