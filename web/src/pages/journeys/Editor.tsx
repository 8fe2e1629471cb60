// /journeys/:id — the canvas, its toolbar (save, publish, pause/resume), the palette, and a
// side panel showing the selected step, the simulator or the draft-vs-published diff.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, can, get, post, put } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { ErrorBox, Loading } from '../../ui.tsx';
import { Canvas, problemNode } from './Canvas.tsx';
import { Panel } from './Panel.tsx';
import { DiffView } from './DiffView.tsx';
import { Simulate } from './Simulate.tsx';
import { useStats, type StatMode } from './Overlay.tsx';
import { allEdges, type FlowEdge } from './graph.ts';
import { deleteStep, insertAfter, insertOnEdge, addExit } from './edit.ts';
import { ENTRY, STEP_TYPES, TYPE_LABEL, type Definition, type Journey, type Problem, type Step, type StepType } from './model.ts';
import { successors } from './steps.ts';
import { diffDefinitions } from './diff.ts';

type Side = 'step' | 'simulate' | 'diff';

/** A save refused by the server names the field first ("steps.mail.template: ..."). */
function problemFromError(e: unknown): Problem | null {
  if (!(e instanceof ApiError) || e.status !== 400) return null;
  const m = /^([A-Za-z0-9_.-]+): ([\s\S]*)$/.exec(e.message);
  if (!m) return null;
  return { path: m[1], step: /^steps\.([^.]+)/.exec(m[1])?.[1] ?? null, message: m[2], publishOnly: false };
}

export function Editor() {
  const { id = '' } = useParams();
  const { user } = useAuth();
  const editable = can(user, 'write');
  const [journey, setJourney] = useState<Journey>();
  const [def, setDef] = useState<Definition>();
  const [dirty, setDirty] = useState(false);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [saveProblem, setSaveProblem] = useState<Problem | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [side, setSide] = useState<Side>('step');
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [overlay, setOverlay] = useState(true);
  const [mode, setMode] = useState<StatMode>('abs');
  const [templates, setTemplates] = useState<string[]>([]);

  const load = useCallback(async () => {
    try { const j = await get<Journey>(`journeys/${id}`); setJourney(j); setDef(j.draft); setDirty(false); } catch (e) { setError(e); }
  }, [id]);
  useEffect(() => { void load(); }, [load]);
  useEffect(() => { get<{ data: { key: string }[] }>('templates').then(r => setTemplates(r.data.map(t => t.key)), () => setTemplates([])); }, []);

  // Every edit is checked by the server's validator (all problems at once), a moment after typing stops.
  useEffect(() => {
    if (!def) return;
    let live = true;
    const t = setTimeout(() => {
      post<{ problems: Problem[] }>('journeys/validate', { definition: def }).then(r => { if (live) setProblems(r.problems); }, () => {});
    }, 250);
    return () => { live = false; clearTimeout(t); };
  }, [def]);

  const { stats, error: statsError } = useStats(id, !!journey && journey.version > 0 && overlay);
  const edges = useMemo(() => (def ? allEdges(def) : []), [def]);

  const change = useCallback((d: Definition) => { setDef(d); setDirty(true); setSaveProblem(null); setNotice(null); }, []);
  const onInsert = useCallback((e: FlowEdge, t: StepType) => {
    if (!def) return;
    const r = insertOnEdge(def, e, t);
    change(r.def); setSelected(r.id); setSide('step');
  }, [def, change]);
  const onPalette = (t: StepType) => {
    if (!def) return;
    const r = insertAfter(def, selected && selected !== ENTRY ? selected : null, t, edges);
    if ('error' in r) return setNotice(r.error);
    change(r.def); setSelected(r.id); setSide('step');
  };
  const onStep = (sid: string, s: Step) => {
    if (!def) return;
    let next: Definition = { ...def, steps: { ...def.steps, [sid]: s } };
    // "a new exit step" in a "go to" list names a step that does not exist yet: create it.
    for (const to of successors(s)) if (!next.steps[to] && /^exit_\d+$/.test(to)) next = addExit(next).def;
    change(next);
  };
  const onDelete = (sid: string) => {
    if (!def) return;
    const r = deleteStep(def, sid, edges);
    if ('error' in r) return setNotice(r.error);
    change(r.def); setSelected(null);
  };

  const save = async (): Promise<boolean> => {
    if (!def) return false;
    setBusy(true); setError(undefined); setNotice(null);
    try {
      const j = await put<Journey>(`journeys/${id}`, def);
      setJourney(j); setDef(j.draft); setDirty(false); setSaveProblem(null); setNotice('Draft saved.');
      return true;
    } catch (e) { setError(e); setSaveProblem(problemFromError(e)); return false; } finally { setBusy(false); }
  };
  const act = async (action: 'publish' | 'pause' | 'resume') => {
    if (action === 'publish' && dirty && !(await save())) return;
    setBusy(true); setError(undefined);
    try {
      const j = await post<Journey & { warnings?: { message: string }[] }>(`journeys/${id}/${action}`);
      setJourney(j); setDef(j.draft); setDirty(false);
      setNotice(action === 'publish' ? `Published version ${j.version}.${j.warnings?.length ? ` Warnings: ${j.warnings.map(w => w.message).join('; ')}` : ''}` : action === 'pause' ? 'Paused: nobody new enters; runs in flight wait.' : 'Resumed.');
    } catch (e) { setError(e); setSaveProblem(problemFromError(e)); } finally { setBusy(false); }
  };

  const allProblems = useMemo(() => (saveProblem && !problems.some(p => p.path === saveProblem.path) ? [...problems, saveProblem] : problems), [problems, saveProblem]);
  if (!journey || !def) return error ? <ErrorBox error={error} /> : <Loading />;
  const canPublish = can(user, 'publish');
  const unchanged = !dirty && journey.version > 0 && diffDefinitions(journey.published, def).length === 0;
  const publishWhy = !canPublish ? 'Your role cannot publish journeys'
    : allProblems.length ? `Fix ${allProblems.length} problem(s) first: ${allProblems.map(p => p.step ?? (p.path || 'journey')).join(', ')}`
    : journey.status === 'archived' ? 'Archived journeys cannot be published'
    : unchanged ? `Nothing new to publish: the draft is version ${journey.version}` : '';
  const live = journey.version > 0;

  return (
    <div className="jeditor">
      <div className="jtoolbar">
        <Link to="/journeys">← Journeys</Link>
        <h2 data-testid="journey-name">{def.name}</h2>
        <span className={`status status-${journey.status}`} data-testid="journey-status">{journey.status}{journey.version ? ` · v${journey.version}` : ''}</span>
        {dirty && <span className="muted" data-testid="unsaved">unsaved changes</span>}
        <span className="spacer" />
        <button onClick={() => void save()} disabled={!editable || busy || !dirty}>Save draft</button>
        <button className="primary" onClick={() => void act('publish')} disabled={busy || !!publishWhy} title={publishWhy || 'Publish the draft as a new version'}>Publish</button>
        {journey.status === 'active' && <button onClick={() => void act('pause')} disabled={!canPublish || busy}>Pause</button>}
        {journey.status === 'paused' && <button onClick={() => void act('resume')} disabled={!canPublish || busy}>Resume</button>}
        <button aria-pressed={side === 'simulate'} onClick={() => setSide(s => (s === 'simulate' ? 'step' : 'simulate'))}>Simulate</button>
        <button aria-pressed={side === 'diff'} onClick={() => setSide(s => (s === 'diff' ? 'step' : 'diff'))}>Draft vs published</button>
      </div>
      <div className="jsubbar">
        {editable && <div className="jpalette" role="toolbar" aria-label="Add a step">
          <span className="muted">Add{selected && selected !== ENTRY ? ` after ${selected}` : ' at the start'}:</span>
          {STEP_TYPES.filter(t => t !== 'exit').map(t => <button key={t} onClick={() => onPalette(t)} data-testid={`palette-${t}`}>{TYPE_LABEL[t]}</button>)}
        </div>}
        <span className="spacer" />
        {live && <div className="row">
          <label className="jinline"><input type="checkbox" checked={overlay} onChange={e => setOverlay(e.target.checked)} /> live counts</label>
          <div role="group" aria-label="Counts as">
            <button aria-pressed={mode === 'abs'} onClick={() => setMode('abs')}>#</button>
            <button aria-pressed={mode === 'pct'} onClick={() => setMode('pct')}>%</button>
          </div>
        </div>}
      </div>
      {!editable && <p className="muted">Your role can look but not change journeys.</p>}
      {publishWhy && canPublish && !unchanged && <p className="jhint" data-testid="publish-blocked">{publishWhy}</p>}
      {notice && <p className="jnotice" role="status">{notice}</p>}
      <ErrorBox error={error} />
      <ErrorBox error={statsError} />
      <div className="jbody">
        <Canvas frame={side === 'step' ? (selected ? 'panel' : 'full') : side} def={def} problems={allProblems} stats={overlay && live ? stats : null} mode={mode} selected={selected} editable={editable}
          onSelect={s => { setSelected(s); if (s) setSide('step'); }} onInsert={onInsert} />
        {side === 'simulate' && <Simulate journeyId={id} def={def} />}
        {side === 'diff' && <DiffView published={journey.published} draft={def} version={journey.version} />}
        {side === 'step' && selected && (def.steps[selected] || selected === ENTRY) && (
          <Panel key={selected} def={def} id={selected} problems={allProblems.filter(p => problemNode(p) === selected)} editable={editable} templates={templates}
            journeyId={id} live={live} onDef={change} onStep={onStep} onDelete={onDelete} onClose={() => setSelected(null)} />
        )}
      </div>
    </div>
  );
}
