import { Link } from 'react-router';
import { when } from '../../ui.tsx';
import { show, type Profile } from './types.ts';

const MESSAGE_CHANNELS = ['email', 'sms', 'push', 'messenger', 'whatsapp', 'wechat', 'in_app', 'direct_mail'];
const order = (ch: string) => { const i = MESSAGE_CHANNELS.indexOf(ch); return i < 0 ? MESSAGE_CHANNELS.length : i; };

/** Each channel: where it reaches the customer, whether it can, and what the customer consented to. */
export function Reach({ p }: { p: Profile }) {
  const channels = [...new Set([...Object.keys(p.channels), ...Object.keys(p.consent)])]
    .sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  return (
    <section className="card" aria-label="channels and consent">
      <h3>Channels &amp; consent</h3>
      {!channels.length ? <p className="muted">No address, device or consent known yet.</p> : (
        <table className="cu-compact">
          <thead><tr><th>Channel</th><th>Reachable</th><th>Consent</th></tr></thead>
          <tbody>
            {channels.map(ch => {
              const r = p.channels[ch];
              const k = p.consent[ch];
              const addr = r ? (r.address ?? r.phone ?? r.id ?? (r.tokens ? `${r.tokens.length} device${r.tokens.length === 1 ? '' : 's'}` : '')) : '';
              return (
                <tr key={ch} data-testid={`channel-${ch}`}>
                  <td><b>{ch}</b>{addr && <div className="cu-addr cu-small">{addr}</div>}</td>
                  <td>{r ? (r.reachable ? <span className="cu-yes">yes</span> : <span className="cu-no" title={r.reason}>no{r.reason ? `: ${r.reason}` : ''}</span>) : '–'}</td>
                  <td>{k ? <span className={k.status === 'granted' ? 'cu-yes' : 'cu-no'} title={`${k.source}, ${when(new Date(k.at).toISOString())}`}>{k.status}</span> : <span className="muted">not asked</span>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function Segments({ p }: { p: Profile }) {
  return (
    <section className="card" aria-label="segments">
      <h3>Segments</h3>
      {!p.segments.length ? <p className="muted">In no segment.</p> : (
        <ul className="cu-list">{p.segments.map(s => <li key={s.id}><Link to={`/segments/${s.id}`}>{s.name}</Link> <span className="muted cu-small">since {when(s.since)}</span></li>)}</ul>
      )}
    </section>
  );
}

export function Journeys({ p }: { p: Profile }) {
  return (
    <section className="card" aria-label="journeys">
      <h3>Journeys</h3>
      {!p.journeys.length ? <p className="muted">In no journey.</p> : (
        <table className="cu-compact">
          <thead><tr><th>Journey</th><th>Step</th><th>Status</th></tr></thead>
          <tbody>
            {p.journeys.map(j => (
              <tr key={j.runId}>
                <td><Link to={`/journeys/${j.journeyId}`}>{j.name}</Link> <span className="muted cu-small">v{j.version}</span></td>
                <td>{j.step ?? '–'}</td>
                <td>{j.status}{j.holdout ? ' (holdout)' : ''}<div className="muted cu-small">entered {when(j.enteredAt)}</div></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Flat key/value list; nested objects show by dotted path so an address reads as address.city. */
export function Traits({ title, values }: { title: string; values: Record<string, unknown> }) {
  const rows: [string, unknown][] = [];
  const walk = (o: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(o)) {
      if (v && typeof v === 'object' && !Array.isArray(v) && prefix.split('.').length < 3) walk(v as Record<string, unknown>, `${prefix}${k}.`);
      else rows.push([`${prefix}${k}`, v]);
    }
  };
  walk(values, '');
  return (
    <section className="card" aria-label={title.toLowerCase()}>
      <h3>{title}</h3>
      {!rows.length ? <p className="muted">None yet.</p> : (
        <dl className="cu-kv">{rows.map(([k, v]) => <div key={k}><dt>{k}</dt><dd>{show(v)}</dd></div>)}</dl>
      )}
    </section>
  );
}
