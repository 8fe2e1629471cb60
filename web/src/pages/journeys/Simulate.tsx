// Simulate: run the real engine over a made-up or copied profile and a script of events on a
// virtual clock, with the definition as it is on screen (saved or not). Nothing is sent.
import { useState } from 'react';
import { get, post } from '../../api.ts';
import { ErrorBox } from '../../ui.tsx';
import type { Definition } from './model.ts';

interface ScriptEvent { event: string; properties: string; offset: string }
interface TraceEntry { at: string; kind: 'step' | 'message' | 'audience' | 'run'; [k: string]: unknown }

const UNIT: Record<string, number> = { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 };

/** "+2h", "30m", "+1d" → milliseconds after the start of the script. */
export function parseOffset(s: string): number | null {
  const m = /^\+?\s*(\d+(?:\.\d+)?)\s*([smhdw])?$/.exec(s.trim());
  return m ? Number(m[1]) * UNIT[m[2] ?? 'm'] : null;
}

/** Time since the script's start, to the second: "+0s", "+5s", "+1d 2h". */
export function since(ms: number): string {
  if (ms <= 0) return '+0s';
  const d = Math.floor(ms / 864e5), h = Math.floor((ms % 864e5) / 36e5), m = Math.floor((ms % 36e5) / 6e4), s = Math.round((ms % 6e4) / 1e3);
  return `+${[d && `${d}d`, h && `${h}h`, m && `${m}m`, s && `${s}s`].filter(Boolean).join(' ') || '0s'}`;
}

function renderedText(r: unknown): string {
  if (!r || typeof r !== 'object') return '';
  const o = r as Record<string, unknown>;
  const body = typeof o.text === 'string' ? o.text : typeof o.body === 'string' ? o.body : typeof o.html === 'string' ? o.html.replace(/<[^>]+>/g, ' ') : '';
  return [typeof o.subject === 'string' ? `“${o.subject}”` : '', body.replace(/\s+/g, ' ').trim().slice(0, 200)].filter(Boolean).join(' — ');
}

function describe(e: TraceEntry): string {
  switch (e.kind) {
    case 'step': return `${e.action === 'entered' ? 'entered' : 'left'} step ${String(e.step)}${e.detail ? ` (${String(e.detail)})` : ''}`;
    case 'message': {
      const what = `${String(e.channel)} message, template ${String(e.template)}, from step ${String(e.step)}`;
      return e.status === 'sent' || e.status === 'delivered' ? `would send ${what}` : `${what}: ${String(e.status)}${e.reason ? ` because ${String(e.reason)}` : ''}`;
    }
    case 'audience': return `${e.action === 'add' ? 'added to' : 'removed from'} ad audience ${String(e.audience)}${e.reason ? ` (${String(e.reason)})` : ''}`;
    case 'run': return `run ended: ${String(e.status)}${e.reason ? ` (${String(e.reason)})` : ''}${Number(e.revenue) ? `, revenue ${String(e.revenue)}` : ''}`;
  }
}

export function Simulate({ journeyId, def }: { journeyId: string; def: Definition }) {
  const entryEvent = 'event' in def.entry ? def.entry.event : '';
  const [profileId, setProfileId] = useState('');
  const [traits, setTraits] = useState('{\n  "firstName": "Ada",\n  "email": "ada@example.com"\n}');
  const [timezone, setTimezone] = useState('');
  const [script, setScript] = useState<ScriptEvent[]>([{ event: entryEvent, properties: '{}', offset: '+0m' }]);
  const [trace, setTrace] = useState<{ start: number; entries: TraceEntry[] } | null>(null);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const load = async () => {
    setError(undefined);
    try {
      const p = await get<{ traits: Record<string, unknown>; timezone?: string | null }>(`profiles/${encodeURIComponent(profileId.trim())}`);
      setTraits(JSON.stringify(p.traits ?? {}, null, 2));
      if (p.timezone) setTimezone(p.timezone);
    } catch (e) { setError(e); }
  };
  const setRow = (i: number, r: Partial<ScriptEvent>) => setScript(s => s.map((x, j) => (j === i ? { ...x, ...r } : x)));

  const run = async () => {
    setError(undefined);
    let t: unknown;
    try { t = JSON.parse(traits || '{}'); } catch (e) { return setError(new Error(`traits: not valid JSON: ${(e as Error).message}`)); }
    const start = Math.floor(Date.now() / 60_000) * 60_000;
    const events = [];
    for (const [i, r] of script.entries()) {
      const off = parseOffset(r.offset);
      if (off === null) return setError(new Error(`event ${i + 1}: time "${r.offset}" should look like +0m, +2h or +3d`));
      if (!r.event.trim()) return setError(new Error(`event ${i + 1}: name the event`));
      let properties: unknown;
      try { properties = JSON.parse(r.properties || '{}'); } catch (e) { return setError(new Error(`event ${i + 1}: properties are not valid JSON: ${(e as Error).message}`)); }
      events.push({ at: new Date(start + off).toISOString(), event: r.event.trim(), properties });
    }
    setBusy(true);
    try {
      const res = await post<{ trace: TraceEntry[] }>(`journeys/${journeyId}/simulate`, { profile: { traits: t, ...(timezone ? { timezone } : {}) }, events, definition: def });
      setTrace({ start, entries: res.trace });
    } catch (e) { setError(e); } finally { setBusy(false); }
  };

  return (
    <aside className="jpanel jsim" aria-label="Simulate" data-testid="simulate">
      <header><h3>Simulate</h3></header>
      <p className="muted">Runs this journey as it is on screen, on a virtual clock. Nothing is sent.</p>
      <div className="row">
        <input aria-label="Profile id" placeholder="profile id (optional)" value={profileId} onChange={e => setProfileId(e.target.value)} />
        <button onClick={() => void load()} disabled={!profileId.trim()}>Load traits</button>
      </div>
      <label className="jfield"><span>Traits</span><textarea aria-label="Traits" rows={4} value={traits} spellCheck={false} onChange={e => setTraits(e.target.value)} /></label>
      <label className="jfield"><span>Time zone</span><input aria-label="Time zone" placeholder="e.g. America/New_York" value={timezone} onChange={e => setTimezone(e.target.value)} /></label>
      <h4>Events</h4>
      {script.map((r, i) => (
        <div className="jsim-row" key={i} data-testid={`sim-event-${i}`}>
          <input aria-label={`Event ${i + 1} time`} className="jsim-offset" value={r.offset} onChange={e => setRow(i, { offset: e.target.value })} />
          <input aria-label={`Event ${i + 1} name`} value={r.event} placeholder="event name" onChange={e => setRow(i, { event: e.target.value })} />
          <input aria-label={`Event ${i + 1} properties`} value={r.properties} placeholder="{}" onChange={e => setRow(i, { properties: e.target.value })} />
          <button className="link" aria-label={`Remove event ${i + 1}`} onClick={() => setScript(s => s.filter((_, j) => j !== i))}>×</button>
        </div>
      ))}
      <div className="row">
        <button onClick={() => setScript(s => [...s, { event: def.goal?.event ?? '', properties: '{}', offset: '+1d' }])}>Add an event</button>
        <button className="primary" onClick={() => void run()} disabled={busy || !script.length}>{busy ? 'Simulating…' : 'Run simulation'}</button>
      </div>
      <ErrorBox error={error} />
      {trace && (
        trace.entries.length === 0 ? <p className="muted">The profile did not enter: check the entry event and its filters.</p> : (
          <ol className="jtrace" data-testid="trace">
            {trace.entries.map((e, i) => (
              <li key={i} className={`jtrace-${e.kind}${e.status === 'suppressed' ? ' suppressed' : ''}`}>
                <span className="jtrace-at" title={new Date(e.at).toLocaleString()}>{since(Date.parse(e.at) - trace.start)}</span>
                <span>{describe(e)}{e.kind === 'message' && renderedText(e.rendered) && <div className="jtrace-rendered">{renderedText(e.rendered)}</div>}</span>
              </li>
            ))}
          </ol>
        )
      )}
    </aside>
  );
}
