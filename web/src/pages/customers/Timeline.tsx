import { useEffect, useState } from 'react';
import { get } from '../../api.ts';
import { Empty, ErrorBox, when } from '../../ui.tsx';
import { show, type TimelineEvent } from './types.ts';

const PAGE = 30;

/** The cross-channel timeline, newest first, a page at a time from the server, filtered by channel on the server. */
export function Timeline({ profileId, channels }: { profileId: string; channels: string[] }) {
  const [channel, setChannel] = useState<string | null>(null);
  const [events, setEvents] = useState<TimelineEvent[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const load = async (cursor: string | null, replace: boolean, live: () => boolean = () => true) => {
    setBusy(true);
    try {
      const q = new URLSearchParams({ limit: String(PAGE) });
      if (cursor) q.set('cursor', cursor);
      if (channel) q.set('channel', channel);
      const r = await get<{ events: TimelineEvent[]; nextCursor: string | null }>(`profiles/${encodeURIComponent(profileId)}/events?${q}`);
      if (!live()) return;
      setEvents(e => (replace ? r.events : [...e, ...r.events]));
      setNext(r.nextCursor); setError(undefined);
    } catch (e) { if (live()) setError(e); } finally { if (live()) setBusy(false); }
  };

  useEffect(() => {
    let on = true;
    void load(null, true, () => on);
    return () => { on = false; };
    // Reloads exactly when the profile or the chosen channel changes.
  }, [profileId, channel]);

  // Chips for every channel the customer was active or reached on, plus any the loaded events show (messages, feedback).
  const [seenChannels, setSeenChannels] = useState<string[]>([]);
  useEffect(() => { if (!channel) setSeenChannels(cs => [...new Set([...cs, ...events.map(e => e.channel)])]); }, [events, channel]);
  const chips = [...new Set([...channels, ...seenChannels])].sort();

  return (
    <section className="card" aria-label="timeline">
      <h3>Timeline</h3>
      <div className="cu-chips" role="group" aria-label="filter by channel">
        {[null, ...chips].map(ch => (
          <button key={ch ?? 'all'} type="button" aria-pressed={channel === ch} className={channel === ch ? 'cu-on' : undefined} onClick={() => setChannel(ch)}>
            {ch ?? 'All channels'}
          </button>
        ))}
      </div>
      <ErrorBox error={error} />
      {!busy && !error && events.length === 0 && <Empty>{channel ? `Nothing on ${channel} yet.` : 'No events yet.'}</Empty>}
      <ol className="cu-timeline" aria-label="events">
        {events.map(e => (
          <li key={`${e.seq}`} data-testid="timeline-event" data-channel={e.channel}>
            <time>{when(e.timestamp)}</time>
            <span className={`cu-badge cu-ch-${e.channel}`}>{e.channel}</span>
            <span className="cu-ev">{e.event ?? e.type}</span>
            <span className="muted cu-props">{summary(e)}</span>
          </li>
        ))}
      </ol>
      {next && <button type="button" disabled={busy} onClick={() => void load(next, false)}>{busy ? 'Loading…' : 'Older events'}</button>}
    </section>
  );
}

/** The first few properties (or traits of an identify), enough to tell events apart at a glance. */
function summary(e: TimelineEvent): string {
  const src = e.type === 'identify' ? e.traits : e.properties;
  // Ids (runId, messageId...) say nothing to a person; they come last.
  const entries = Object.entries(src ?? {}).filter(([, v]) => v !== null && typeof v !== 'object');
  const isId = (k: string) => /(^id|Id|_id)$/.test(k);
  return [...entries.filter(([k]) => !isId(k)), ...entries.filter(([k]) => isId(k))].slice(0, 4).map(([k, v]) => `${k}: ${show(v)}`).join(' · ');
}
