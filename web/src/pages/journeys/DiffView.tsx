import { diffDefinitions } from './diff.ts';
import type { Definition } from './model.ts';

/** What publishing the draft would change, against the published version. */
export function DiffView({ published, draft, version }: { published: Definition | null; draft: Definition; version: number }) {
  const changes = diffDefinitions(published, draft);
  return (
    <aside className="jpanel" aria-label="Draft vs published" data-testid="diff">
      <header><h3>Draft vs published{version ? ` v${version}` : ''}</h3></header>
      {!changes.length ? <p className="muted">The draft is the same as the published version.</p> : (
        <ul className="jdiff">
          {changes.map((c, i) => (
            <li key={i} className={`jdiff-${c.what}`}>
              <b>{c.subject}</b> {c.what}
              {c.details.length > 0 && <ul>{c.details.map((d, j) => <li key={j}>{d}</li>)}</ul>}
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}
