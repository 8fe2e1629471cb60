import { useState } from 'react';
import { Link } from 'react-router';
import { Empty, ErrorBox, Loading, useGet, when } from '../../ui.tsx';
import type { Person, Segment } from './types.ts';

const PAGE = 25;

type Member = Person & { profileId: string; since: string };

/** Members a page at a time from the server (cursor paging), with the whole list as CSV. */
export function Members({ segment }: { segment: Segment }) {
  // Cursors of the pages before the current one, so "Previous" can go back without the server keeping state.
  const [stack, setStack] = useState<string[]>([]);
  const cursor = stack[stack.length - 1];
  const path = `segments/${segment.id}/members?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  // Fetched again as a computation moves on, so members appear while it runs.
  const { data, error, loading } = useGet<{ data: Member[]; nextCursor: string | null }>(path, [segment.version, segment.status, segment.size]);
  const first = stack.length * PAGE;
  return (
    <section className="card" aria-label="members">
      <div className="row seg-head">
        <h3>Members</h3>
        <a href={`/api/v1/segments/${segment.id}/members?format=csv`} download={`${segment.name}.csv`}>Download CSV</a>
      </div>
      <ErrorBox error={error} />
      {loading && !data && <Loading />}
      {data && data.data.length === 0 && (
        <Empty>{segment.status === 'computing' ? 'Members appear as the computation goes.' : 'No profile is in this segment. Loosen the condition and watch the estimate.'}</Empty>
      )}
      {data && data.data.length > 0 && (
        <>
          <table aria-label="segment members">
            <thead><tr><th>Customer</th><th>Email</th><th>Phone</th><th>User id</th><th>Member since</th></tr></thead>
            <tbody>
              {data.data.map(m => (
                <tr key={m.profileId}>
                  <td><Link to={`/customers/${m.profileId}`}>{m.name ?? m.profileId}</Link></td>
                  <td>{m.email ?? '–'}</td><td>{m.phone ?? '–'}</td><td>{m.userId ?? '–'}</td><td>{when(m.since)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="row seg-pager">
            <button disabled={!stack.length} onClick={() => setStack(s => s.slice(0, -1))}>Previous</button>
            <span className="muted">{first + 1}–{first + data.data.length} of {segment.size}</span>
            <button disabled={!data.nextCursor} onClick={() => data.nextCursor && setStack(s => [...s, data.nextCursor!])}>Next</button>
          </div>
        </>
      )}
    </section>
  );
}
