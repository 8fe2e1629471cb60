import { useEffect, useState } from 'react';
import { get, post } from '../../api.ts';
import { ErrorBox } from '../../ui.tsx';
import type { Variant } from './fields.ts';

interface Content { subject?: string; html?: string; text?: string; body?: string; title?: string; url?: string }
interface Profile { id: string; traits: Record<string, unknown> }

const REMEMBER = 'omnis.preview.profile';

/** Renders the draft as a chosen profile, 400 ms after the last keystroke. Email HTML runs in a sandbox with no scripts, forms or same-origin access. */
export function Preview({ templateKey, draft }: { templateKey: string; draft: Variant }) {
  const [who, setWho] = useState(() => localStorage.getItem(REMEMBER) ?? '');
  const [profile, setProfile] = useState<Profile | null>(null);
  const [findError, setFindError] = useState<unknown>();
  const [content, setContent] = useState<Content | null>(null);
  const [error, setError] = useState<unknown>();
  const [rendering, setRendering] = useState(false);

  const find = async (q: string) => {
    setFindError(undefined);
    const v = q.trim();
    if (!v) { setProfile(null); return; }
    try {
      const p = await get<Profile>(v.includes(':') ? `profiles?identifier=${encodeURIComponent(v)}` : `profiles/${encodeURIComponent(v)}`);
      setProfile(p);
      localStorage.setItem(REMEMBER, v);
    } catch (e) { setProfile(null); setFindError(e); }
  };
  // The remembered customer is looked up once, when the preview opens.
  const [first] = useState(who);
  useEffect(() => { if (first) void find(first); }, [first]);

  const body = profile ? JSON.stringify({ profileId: profile.id, template: draft, ...(draft.locale ? { locale: draft.locale } : {}) }) : null;
  useEffect(() => {
    if (!body) return;
    let live = true;
    const t = setTimeout(() => {
      setRendering(true);
      post<{ content: Content }>(`templates/${encodeURIComponent(templateKey)}/preview`, JSON.parse(body))
        .then(r => { if (live) { setContent(r.content); setError(undefined); } }, e => { if (live) setError(e); })
        .finally(() => { if (live) setRendering(false); });
    }, 400);
    return () => { live = false; clearTimeout(t); };
  }, [body, templateKey]);

  const name = profile ? [profile.traits.first_name, profile.traits.last_name].filter(Boolean).join(' ') || String(profile.traits.email ?? profile.id) : '';
  return (
    <section className="card tpl-preview" aria-label="Preview">
      <form className="row" onSubmit={e => { e.preventDefault(); void find(who); }}>
        <label>Preview as <input aria-label="Preview as" value={who} size={30} placeholder="email:ana@example.com or a profile id" onChange={e => setWho(e.target.value)} /></label>
        <button type="submit">Use</button>
        {rendering && <span className="muted">rendering…</span>}
      </form>
      <ErrorBox error={findError} />
      {!profile ? <p className="muted">Pick a customer to see the message as they would get it: an identifier such as email:ana@example.com, phone:+15551234567, user_id:42, or a profile id.</p> : (
        <>
          <p className="muted small">As {name} ({profile.id})</p>
          <ErrorBox error={error} />
          {content && (draft.channel === 'email' ? (
            <div className="email-preview" data-testid="preview">
              <div className="subject"><span className="muted">Subject:</span> <b data-testid="preview-subject">{content.subject}</b></div>
              <iframe title="Email preview" sandbox="" srcDoc={content.html ?? ''} data-testid="preview-frame" />
            </div>
          ) : (
            <div className="bubble" data-testid="preview">
              {content.title && <b>{content.title}</b>}
              <div data-testid="preview-body">{content.body ?? content.text}</div>
              {content.url && <div className="muted small">{content.url}</div>}
            </div>
          ))}
        </>
      )}
    </section>
  );
}
