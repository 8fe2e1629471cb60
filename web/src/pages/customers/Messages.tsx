import { useEffect, useState } from 'react';
import { get } from '../../api.ts';
import { Empty, ErrorBox, Loading, useGet, when } from '../../ui.tsx';
import type { Message, MessageDetail } from './types.ts';

const PAGE = 10;

/** Every message sent (or held back) to the customer, newest first, each openable to what they actually received. */
export function Messages({ profileId }: { profileId: string }) {
  const [stack, setStack] = useState<string[]>([]);
  const cursor = stack[stack.length - 1];
  const { data, error, loading } = useGet<{ messages: Message[]; nextCursor: string | null }>(
    `messages?profileId=${encodeURIComponent(profileId)}&limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  const [open, setOpen] = useState<string | null>(null);
  return (
    <section className="card" aria-label="messages">
      <h3>Messages</h3>
      <ErrorBox error={error} />
      {loading && !data && <Loading />}
      {data && !data.messages.length && !stack.length && <Empty>No message has been sent to this customer yet.</Empty>}
      {data && data.messages.length > 0 && (
        <table className="cu-compact" aria-label="messages sent">
          <thead><tr><th>When</th><th>Channel</th><th>Template</th><th>Status</th><th /></tr></thead>
          <tbody>
            {data.messages.map(m => (
              <tr key={m.id}>
                <td>{when(m.sentAt ?? m.createdAt)}</td>
                <td><span className={`cu-badge cu-ch-${m.channel}`}>{m.channel}</span></td>
                <td>{m.template}</td>
                <td><span className={`cu-status cu-st-${m.status}`}>{m.status}</span>{m.reason && <div className="muted cu-small">{m.reason}</div>}</td>
                <td><button type="button" className="link" onClick={() => setOpen(m.id)}>Preview</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(stack.length > 0 || data?.nextCursor) && (
        <div className="row cu-pager">
          <button disabled={!stack.length} onClick={() => setStack(s => s.slice(0, -1))}>Newer</button>
          <button disabled={!data?.nextCursor} onClick={() => data?.nextCursor && setStack(s => [...s, data.nextCursor!])}>Older</button>
        </div>
      )}
      {open && <MessageModal id={open} onClose={() => setOpen(null)} />}
    </section>
  );
}

function MessageModal({ id, onClose }: { id: string; onClose: () => void }) {
  const [m, setM] = useState<MessageDetail>();
  const [error, setError] = useState<unknown>();
  const [view, setView] = useState<'html' | 'text'>('html');
  useEffect(() => { get<MessageDetail>(`messages/${encodeURIComponent(id)}`).then(setM, setError); }, [id]);
  useEffect(() => {
    const esc = (e: KeyboardEvent) => { if (e.key === 'Escape') onClose(); };
    window.addEventListener('keydown', esc);
    return () => window.removeEventListener('keydown', esc);
  }, [onClose]);
  const r = m?.rendered;
  const html = r?.html ?? r?.front;
  const text = r?.text ?? r?.body;
  return (
    <div className="cu-overlay" onClick={onClose}>
      <div className="cu-modal" role="dialog" aria-modal="true" aria-label="message preview" onClick={e => e.stopPropagation()}>
        <div className="row cu-modal-head">
          <h3>{r?.subject ?? r?.title ?? m?.template ?? 'Message'}</h3>
          <button type="button" aria-label="close" onClick={onClose}>✕</button>
        </div>
        <ErrorBox error={error} />
        {!m && !error && <Loading />}
        {m && (
          <>
            <div className="muted cu-small">{m.channel} · {m.template} · {m.status}{m.sentAt && <> · sent {when(m.sentAt)}</>}</div>
            {!r && <Empty>Nothing was rendered: the message was {m.status}{m.reason ? ` (${m.reason})` : ''} before it was sent.</Empty>}
            {r && html && text && (
              <div className="cu-chips" role="tablist">
                <button type="button" role="tab" aria-selected={view === 'html'} className={view === 'html' ? 'cu-on' : undefined} onClick={() => setView('html')}>HTML</button>
                <button type="button" role="tab" aria-selected={view === 'text'} className={view === 'text' ? 'cu-on' : undefined} onClick={() => setView('text')}>Text</button>
              </div>
            )}
            {/* The rendered HTML is shown in a sandboxed frame: no script of it runs, nothing of it reaches the console. */}
            {r && html && (view === 'html' || !text) && <iframe title="rendered message" className="cu-frame" sandbox="" srcDoc={html} />}
            {r && text && (view === 'text' || !html) && <pre className="cu-text" data-testid="message-text">{text}</pre>}
            {r?.url && <div className="cu-small">Opens <a href={r.url} target="_blank" rel="noreferrer">{r.url}</a></div>}
            <h4>History</h4>
            <ol className="cu-list">{m.history.map((h, i) => <li key={i}>{h.status}{h.reason ? ` (${h.reason})` : ''} <span className="muted cu-small">{when(h.at)}</span></li>)}</ol>
          </>
        )}
      </div>
    </div>
  );
}
