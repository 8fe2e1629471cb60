import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { post } from '../../api.ts';
import type { Cond } from '../../components/ConditionEditor.tsx';
import { ErrorBox, fmt } from '../../ui.tsx';
import { label, type Preview } from './types.ts';

/** The size of the condition being edited, asked again 400 ms after the last change; late answers to older edits are dropped. */
export function usePreview(condition: Cond): { preview: Preview | undefined; error: unknown; pending: boolean } {
  const [preview, setPreview] = useState<Preview>();
  const [error, setError] = useState<unknown>();
  const [pending, setPending] = useState(false);
  const seq = useRef(0);
  const key = JSON.stringify(condition);
  useEffect(() => {
    const n = ++seq.current;
    setPending(true);
    const timer = setTimeout(() => {
      post<Preview>('segments/preview', { condition: JSON.parse(key) })
        .then(p => { if (n === seq.current) { setPreview(p); setError(undefined); } }, e => { if (n === seq.current) setError(e); })
        .finally(() => { if (n === seq.current) setPending(false); });
    }, 400);
    return () => clearTimeout(timer);
  }, [key]);
  return { preview, error, pending };
}

export function Estimate({ condition }: { condition: Cond }) {
  const { preview, error, pending } = usePreview(condition);
  const share = preview && preview.total ? preview.count / preview.total : 0;
  return (
    <aside className="card seg-estimate" aria-label="estimate" aria-busy={pending}>
      <h3>Estimated size {pending && <span className="muted seg-small">updating…</span>}</h3>
      {error ? <><ErrorBox error={error} /><p className="muted seg-small">Fix the condition and the estimate comes back.</p></> : null}
      {preview && (
        <div className={error ? 'seg-stale' : undefined}>
          <div className="seg-big"><span data-testid="estimate-count">{fmt(preview.count)}</span> <span className="muted">{preview.estimated ? 'estimated ' : ''}of {fmt(preview.total)} profiles</span></div>
          <div className="seg-bar" aria-hidden><div style={{ width: `${Math.min(100, share * 100)}%` }} /></div>
          <h4>Reachable</h4>
          <table className="seg-reach" aria-label="reachable per channel">
            <tbody>
              {Object.entries(preview.reachable).sort((a, b) => b[1] - a[1]).map(([ch, n]) => (
                <tr key={ch} data-testid={`reach-${ch}`}><td>{ch}</td><td className="num">{fmt(n)}</td>
                  <td className="seg-reach-bar"><div style={{ width: `${preview.count ? (n / preview.count) * 100 : 0}%` }} /></td></tr>
              ))}
            </tbody>
          </table>
          <h4>Sample</h4>
          {preview.sampleProfiles.length === 0
            ? <p className="muted seg-small">No profile matches yet.</p>
            : <ul className="seg-sample" aria-label="sample profiles">
                {preview.sampleProfiles.map(p => (
                  <li key={p.id}><Link to={`/customers/${p.id}`}>{label(p)}</Link>{p.email && p.name && <span className="muted"> · {p.email}</span>}</li>
                ))}
              </ul>}
        </div>
      )}
    </aside>
  );
}
