import { Link, useParams } from 'react-router';
import { ErrorBox, fmt, Loading, useGet, when } from '../../ui.tsx';
import { Messages } from './Messages.tsx';
import { Reach, Segments, Journeys, Traits } from './Panels.tsx';
import { Timeline } from './Timeline.tsx';
import { nameOf, show, type Profile } from './types.ts';

const KEY_IDS = ['email', 'phone', 'user_id', 'loyalty_id'];

export function CustomerPage() {
  const { id = '' } = useParams();
  const { data: p, error } = useGet<Profile>(`profiles/${encodeURIComponent(id)}`, [id]);
  if (error && !p) return <div><Link to="/customers">← Find a customer</Link><ErrorBox error={error} /></div>;
  if (!p) return <Loading />;
  const ids = [...p.identities].sort((a, b) => rank(a.type) - rank(b.type)).filter(i => i.type !== 'anonymous_id');
  const lastSeen = Object.entries(p.seen).sort((a, b) => b[1].lastSeen.localeCompare(a[1].lastSeen))[0];
  const c = p.computed;
  return (
    <div className="cu-page">
      <Link to="/customers">← Find a customer</Link>
      <header className="card cu-header">
        <div>
          <h1 data-testid="customer-name">{nameOf(p.traits) ?? 'Unnamed customer'}</h1>
          <div className="cu-ids" aria-label="identifiers">
            {ids.map(i => <span key={`${i.type}:${i.value}`} className="cu-chip" title={i.type}><b>{i.type.replace('_', ' ')}</b> {i.value}</span>)}
          </div>
          <div className="muted cu-small">
            Customer since {when(p.createdAt)}{lastSeen && <> · last seen on <b>{lastSeen[0]}</b> {when(lastSeen[1].lastSeen)}</>}{p.timezone && <> · {p.timezone}</>}
            {p.mergedFrom.length > 0 && <> · merged from {p.mergedFrom.length} profile{p.mergedFrom.length > 1 ? 's' : ''}</>}
          </div>
        </div>
        <dl className="cu-facts">
          <div><dt>Lifetime value</dt><dd>{typeof c.lifetime_value === 'number' ? `$${fmt(c.lifetime_value, 2)}` : '–'}</dd></div>
          <div><dt>Orders</dt><dd>{fmt(typeof c.order_count === 'number' ? c.order_count : null)}</dd></div>
          <div><dt>Last purchase</dt><dd>{typeof c.last_purchase_at === 'string' ? new Date(c.last_purchase_at).toLocaleDateString() : '–'}</dd></div>
          <div><dt>Prefers</dt><dd>{show(c.preferred_channel)}</dd></div>
        </dl>
      </header>
      <div className="cu-grid">
        <div className="cu-main">
          <Messages profileId={p.id} />
          <Timeline profileId={p.id} channels={[...Object.keys(p.seen), ...Object.keys(p.channels)]} />
        </div>
        <div className="cu-side">
          <Reach p={p} />
          <Segments p={p} />
          <Journeys p={p} />
          <Traits title="Computed traits" values={p.computed} />
          <Traits title="Traits" values={p.traits} />
        </div>
      </div>
    </div>
  );
}

const rank = (t: string) => { const i = KEY_IDS.indexOf(t); return i < 0 ? KEY_IDS.length : i; };
