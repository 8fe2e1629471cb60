// One editor per leaf kind of the condition language, each with labelled inputs.
import { CHANNELS, Comparison, CountInput, REACH_CHANNELS, WhereRows, type Cond } from './ConditionEditorFields.tsx';

export interface EditorContext {
  /** Segments that may be referenced (the one being edited is left out by the caller). */
  segments: { id: string; name: string }[];
  computedTraits: string[];
}

type LeafProps = { c: Cond; onChange: (c: Cond) => void; ctx: EditorContext };

const WINDOWS: [string, string][] = [['', 'any time'], ['within', 'in the last'], ['ago', 'between … ago'], ['last', 'among the last N'], ['since', 'since event']];

export function TraitLeaf({ c, onChange }: LeafProps) {
  return (
    <div className="ce-line" data-testid="cond-trait">
      <b>Trait</b>
      <input aria-label="trait" placeholder="trait, e.g. plan or address.city" value={String(c.trait ?? '')} onChange={e => onChange({ ...c, trait: e.target.value })} />
      <Comparison c={c} label="trait" onChange={onChange} />
    </div>
  );
}

export function ComputedLeaf({ c, onChange, ctx }: LeafProps) {
  return (
    <div className="ce-line" data-testid="cond-computed">
      <b>Computed trait</b>
      <input aria-label="computed trait" list="ce-computed" value={String(c.computed ?? '')} onChange={e => onChange({ ...c, computed: e.target.value })} />
      <datalist id="ce-computed">{ctx.computedTraits.map(n => <option key={n} value={n} />)}</datalist>
      <Comparison c={c} label="computed" onChange={onChange} />
    </div>
  );
}

export function EventLeaf({ c, onChange }: LeafProps) {
  const win = WINDOWS.find(([k]) => k && c[k] !== undefined)?.[0] ?? '';
  const setWin = (k: string) => {
    const out = { ...c };
    for (const [w] of WINDOWS) if (w) delete out[w];
    delete out.of;
    if (k === 'within') out.within = '30d';
    if (k === 'ago') out.ago = { from: '60d', to: '30d' };
    if (k === 'last') out.last = 5;
    if (k === 'since') out.since = { event: '' };
    onChange(out);
  };
  const set = (k: string, v: unknown) => { const out = { ...c }; if (v === '' || v === undefined) delete out[k]; else out[k] = v; onChange(out); };
  const ago = (c.ago ?? {}) as { from?: string; to?: string };
  return (
    <div className="ce-event" data-testid="cond-event">
      <div className="ce-line">
        <b>Event</b>
        <input aria-label="event name" placeholder="e.g. Product Viewed, or * for any" value={String(c.event ?? '')} onChange={e => onChange({ ...c, event: e.target.value })} />
        <span>on</span>
        <select aria-label="event channel" value={String(c.channel ?? '')} onChange={e => set('channel', e.target.value)}>
          <option value="">any channel</option>
          {CHANNELS.map(ch => <option key={ch} value={ch}>{ch}</option>)}
        </select>
        <select aria-label="event type" value={String(c.type ?? '')} onChange={e => set('type', e.target.value)}>
          <option value="">any type</option>
          {['track', 'page', 'screen', 'identify', 'group', 'alias'].map(t => <option key={t} value={t}>{t}</option>)}
        </select>
      </div>
      <div className="ce-line">
        <CountInput count={c.count as Cond | undefined} onChange={count => onChange({ ...c, count })} />
        <select aria-label="time window" value={win} onChange={e => setWin(e.target.value)}>
          {WINDOWS.map(([k, l]) => <option key={k} value={k}>{l}</option>)}
        </select>
        {win === 'within' && <input aria-label="within" className="ce-dur" placeholder="30d" value={String(c.within)} onChange={e => onChange({ ...c, within: e.target.value })} />}
        {win === 'ago' && <>
          <input aria-label="ago from" className="ce-dur" value={ago.from ?? ''} onChange={e => onChange({ ...c, ago: { ...ago, from: e.target.value } })} />
          <span>to</span>
          <input aria-label="ago to" className="ce-dur" value={ago.to ?? ''} onChange={e => onChange({ ...c, ago: { ...ago, to: e.target.value } })} />
          <span>ago</span>
        </>}
        {win === 'last' && <>
          <input aria-label="last" type="number" min={1} className="ce-num" value={Number(c.last)} onChange={e => onChange({ ...c, last: Math.max(1, Math.floor(Number(e.target.value) || 1)) })} />
          <input aria-label="of event" placeholder={`of ${String(c.event || 'this event')}`} value={String(c.of ?? '')} onChange={e => set('of', e.target.value)} />
        </>}
        {win === 'since' && <input aria-label="since event" placeholder="the latest …" value={String((c.since as Cond | undefined)?.event ?? '')} onChange={e => onChange({ ...c, since: { ...(c.since as Cond), event: e.target.value } })} />}
        <span className="muted ce-small">durations: 30m, 12h, 14d, 2w</span>
      </div>
      <WhereRows where={(c.where as Cond[] | undefined) ?? []} onChange={w => set('where', w)} />
    </div>
  );
}

export function ConsentLeaf({ c, onChange }: LeafProps) {
  return (
    <div className="ce-line" data-testid="cond-consent">
      <b>Consent granted for</b>
      <input aria-label="consent kind" list="ce-consent" value={String(c.consent ?? '')} onChange={e => onChange({ consent: e.target.value })} />
      <datalist id="ce-consent">{['email', 'sms', 'push', 'whatsapp', 'location', 'marketing', 'analytics'].map(k => <option key={k} value={k} />)}</datalist>
    </div>
  );
}

export function ReachableLeaf({ c, onChange }: LeafProps) {
  return (
    <div className="ce-line" data-testid="cond-reachable">
      <b>Reachable on</b>
      <select aria-label="reachable channel" value={String(c.reachable ?? 'email')} onChange={e => onChange({ reachable: e.target.value })}>
        {REACH_CHANNELS.map(ch => <option key={ch} value={ch}>{ch}</option>)}
      </select>
    </div>
  );
}

export function SegmentLeaf({ c, onChange, ctx }: LeafProps) {
  const id = String(c.segment ?? '');
  return (
    <div className="ce-line" data-testid="cond-segment">
      <b>In segment</b>
      <select aria-label="segment" value={id} onChange={e => onChange({ segment: e.target.value })}>
        {!ctx.segments.some(s => s.id === id) && <option value={id}>{id || 'choose a segment'}</option>}
        {ctx.segments.map(s => <option key={s.id} value={s.id}>{s.name}</option>)}
      </select>
    </div>
  );
}

export function NearLeaf({ c, onChange }: LeafProps) {
  const near = (c.near ?? {}) as { lat?: number; lng?: number };
  const num = (s: string) => (s.trim() === '' ? NaN : Number(s));
  return (
    <div className="ce-line" data-testid="cond-near">
      <b>Within</b>
      <input aria-label="km" type="number" min={0} step="any" className="ce-num" value={Number(c.km)} onChange={e => onChange({ ...c, km: num(e.target.value) })} />
      <span>km of lat</span>
      <input aria-label="latitude" type="number" step="any" className="ce-coord" value={near.lat ?? ''} onChange={e => onChange({ ...c, near: { ...near, lat: num(e.target.value) } })} />
      <span>lng</span>
      <input aria-label="longitude" type="number" step="any" className="ce-coord" value={near.lng ?? ''} onChange={e => onChange({ ...c, near: { ...near, lng: num(e.target.value) } })} />
      <select aria-label="location used" value={String(c.at ?? '')} onChange={e => { const out = { ...c }; if (e.target.value) out.at = e.target.value; else delete out.at; onChange(out); }}>
        <option value="">home address, else last location</option>
        <option value="address">home address</option>
        <option value="last_location">last known location</option>
      </select>
    </div>
  );
}

export function SampleLeaf({ c, onChange }: LeafProps) {
  const s = (c.sample ?? {}) as { percent?: number; salt?: string };
  return (
    <div className="ce-line" data-testid="cond-sample">
      <b>Random sample of</b>
      <input aria-label="percent" type="number" min={0} max={100} step="any" className="ce-num" value={s.percent ?? 0} onChange={e => onChange({ sample: { ...s, percent: Number(e.target.value) } })} />
      <span>% (stable for salt</span>
      <input aria-label="salt" className="ce-dur" value={s.salt ?? ''} onChange={e => onChange({ sample: { ...s, salt: e.target.value } })} />
      <span>)</span>
    </div>
  );
}
