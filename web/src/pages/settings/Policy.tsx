import { useEffect, useState } from 'react';
import { can, get, put } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { ErrorBox, Loading } from '../../ui.tsx';

interface Cap { channel: string; max: number; per: string; tag?: string }
interface Quiet { start: string; end: string; action: 'delay' | 'skip'; channels?: string[]; defaultTimezone?: string }
interface Policy { caps: Cap[]; quietHours?: Quiet; journeyPriority: 'per_day' | 'off' }

const SEND = ['email', 'sms', 'push', 'messenger', 'whatsapp', 'wechat', 'in_app', 'direct_mail'];

/** Caps, quiet hours and journey priority for every journey, as a form over GET/PUT /contact-policy. */
export function Policy() {
  const { user } = useAuth();
  const editable = can(user, 'write');
  const [p, setP] = useState<Policy>();
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  useEffect(() => { get<Policy>('contact-policy').then(setP, setError); }, []);
  if (!p) return error ? <ErrorBox error={error} /> : <Loading />;

  const setCap = (i: number, c: Cap) => setP({ ...p, caps: p.caps.map((x, j) => (j === i ? c : x)) });
  const q = p.quietHours;
  const save = async () => {
    setError(undefined); setSaved(false);
    try {
      const body: Policy = { ...p, caps: p.caps.map(c => ({ channel: c.channel, max: c.max, per: c.per, ...(c.tag?.trim() ? { tag: c.tag.trim() } : {}) })) };
      if (q) body.quietHours = { ...q, ...(q.channels?.length ? {} : { channels: undefined }), ...(q.defaultTimezone?.trim() ? {} : { defaultTimezone: undefined }) };
      setP(await put<Policy>('contact-policy', body));
      setSaved(true);
    } catch (e) { setError(e); }
  };
  return (
    <form className="stack" aria-label="Contact policy" onSubmit={e => { e.preventDefault(); void save(); }}>
      <fieldset className="card" disabled={!editable}>
        <h3>Frequency caps</h3>
        <p className="hint">At most this many messages per person in the window, across every journey. Checked at send time.</p>
        {p.caps.map((c, i) => (
          <div className="row" key={i}>
            <select aria-label={`Cap ${i + 1} channel`} value={c.channel} onChange={e => setCap(i, { ...c, channel: e.target.value })}>
              {['any', ...SEND].map(ch => <option key={ch}>{ch}</option>)}
            </select>
            at most <input aria-label={`Cap ${i + 1} max`} type="number" min={1} max={1000} value={c.max} onChange={e => setCap(i, { ...c, max: Number(e.target.value) })} style={{ width: 80 }} />
            per <input aria-label={`Cap ${i + 1} window`} value={c.per} size={5} onChange={e => setCap(i, { ...c, per: e.target.value })} />
            <input aria-label={`Cap ${i + 1} tag`} value={c.tag ?? ''} placeholder="tag (optional)" size={12} onChange={e => setCap(i, { ...c, tag: e.target.value })} />
            <button type="button" className="link" onClick={() => setP({ ...p, caps: p.caps.filter((_, j) => j !== i) })}>remove</button>
          </div>
        ))}
        {p.caps.length < 10 && <button type="button" onClick={() => setP({ ...p, caps: [...p.caps, { channel: 'any', max: 3, per: '1d' }] })}>+ Add cap</button>}
      </fieldset>
      <fieldset className="card" disabled={!editable}>
        <h3>Quiet hours</h3>
        <label className="check"><input type="checkbox" checked={!!q} onChange={e => setP({ ...p, quietHours: e.target.checked ? { start: '21:00', end: '08:00', action: 'delay' } : undefined })} /> No marketing messages at night (each person's own time zone)</label>
        {q && (
          <>
            <div className="row">
              from <input aria-label="Quiet from" type="time" value={q.start} onChange={e => setP({ ...p, quietHours: { ...q, start: e.target.value } })} />
              to <input aria-label="Quiet to" type="time" value={q.end} onChange={e => setP({ ...p, quietHours: { ...q, end: e.target.value } })} />
              <select aria-label="Quiet action" value={q.action} onChange={e => setP({ ...p, quietHours: { ...q, action: e.target.value as Quiet['action'] } })}>
                <option value="delay">hold until morning</option><option value="skip">skip the message</option>
              </select>
            </div>
            <div className="row">
              <span className="hint">Channels (none ticked: all):</span>
              {SEND.map(ch => (
                <label key={ch} className="check"><input type="checkbox" checked={q.channels?.includes(ch) ?? false}
                  onChange={e => setP({ ...p, quietHours: { ...q, channels: e.target.checked ? [...(q.channels ?? []), ch] : (q.channels ?? []).filter(x => x !== ch) } })} />{ch}</label>
              ))}
            </div>
            <label className="field">Time zone for people without one
              <input aria-label="Default time zone" value={q.defaultTimezone ?? ''} placeholder="UTC" onChange={e => setP({ ...p, quietHours: { ...q, defaultTimezone: e.target.value } })} />
            </label>
          </>
        )}
      </fieldset>
      <fieldset className="card" disabled={!editable}>
        <h3>Journey priority</h3>
        <label className="field">When two journeys want to message the same person on the same day
          <select aria-label="Journey priority" value={p.journeyPriority} onChange={e => setP({ ...p, journeyPriority: e.target.value as Policy['journeyPriority'] })}>
            <option value="off">send both (caps still apply)</option>
            <option value="per_day">only the higher-priority journey sends that day</option>
          </select>
        </label>
      </fieldset>
      <ErrorBox error={error} />
      {saved && <div className="ok" role="status">Contact policy saved.</div>}
      {editable ? <div><button type="submit">Save policy</button></div> : <p className="note">Only admins and marketers change the contact policy.</p>}
    </form>
  );
}
