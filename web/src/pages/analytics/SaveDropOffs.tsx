import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { can, get, post } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { ErrorBox, fmt } from '../../ui.tsx';
import type { FunnelQuery, FunnelStep } from './funnel.ts';

interface Saved { segment: { id: string; name: string }; profiles: number }
interface SegmentView { id: string; name: string; size: number; status: 'computing' | 'ready' }

/** Saves who dropped off at a step as a segment, then follows it until every member is in. */
export function SaveDropOffs({ query, step }: { query: FunnelQuery; step: FunnelStep }) {
  const { user } = useAuth();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(`Dropped off at ${step.event}`);
  const [saved, setSaved] = useState<Saved>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  // Analysts may save what they find, as the server allows them to.
  if (!can(user, 'create_segment')) return null;
  if (saved) return <SavedProgress saved={saved} />;
  if (!open) return <button onClick={() => setOpen(true)}>Save {fmt(step.dropOff)} drop-off{step.dropOff === 1 ? "" : "s"} as a segment</button>;
  const save = async () => {
    setBusy(true); setError(undefined);
    try { setSaved(await post<Saved>('analytics/funnels/segment', { ...query, step: step.step, name })); }
    catch (e) { setError(e); }
    finally { setBusy(false); }
  };
  return (
    <form className="row save-drops" onSubmit={e => { e.preventDefault(); void save(); }}>
      <input aria-label="Segment name" value={name} onChange={e => setName(e.target.value)} />
      <button type="submit" disabled={busy}>{busy ? 'Saving…' : 'Save segment'}</button>
      <button type="button" className="link" onClick={() => setOpen(false)}>cancel</button>
      <ErrorBox error={error} />
    </form>
  );
}

function SavedProgress({ saved }: { saved: Saved }) {
  const [seg, setSeg] = useState<SegmentView>();
  const [error, setError] = useState<unknown>();
  const done = seg !== undefined && seg.status === 'ready' && seg.size >= saved.profiles;
  useEffect(() => {
    if (done) return;
    // Members arrive as the pipeline handles each profile's list event.
    const t = setTimeout(() => { get<SegmentView>(`segments/${saved.segment.id}`).then(setSeg, setError); }, seg ? 500 : 0);
    return () => clearTimeout(t);
  }, [seg, done, saved.segment.id]);
  if (error) return <ErrorBox error={error} />;
  return (
    <span data-testid="saved-segment" role="status">
      <Link to={`/segments/${saved.segment.id}`}>{saved.segment.name}</Link>{' '}
      {done ? <>saved: <b data-testid="saved-size">{fmt(seg.size)}</b> members</> : <>adding members… {fmt(seg?.size ?? 0)} of {fmt(saved.profiles)}</>}
    </span>
  );
}
