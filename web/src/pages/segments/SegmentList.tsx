import { useState } from 'react';
import { Link } from 'react-router';
import { can } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { Empty, ErrorBox, fmt, Loading, useGet, when } from '../../ui.tsx';
import type { Segment } from './types.ts';

type SortKey = 'name' | 'size' | 'updatedAt';

export function SegmentList() {
  const { user } = useAuth();
  const { data, error, loading } = useGet<{ data: Segment[] }>('segments');
  const creates = can(user, 'create_segment');
  // The API returns every segment of the workspace in one answer (they number in the tens), so sorting here is complete.
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'updatedAt', desc: true });
  const rows = [...(data?.data ?? [])].sort((a, b) => {
    const d = sort.key === 'size' ? a.size - b.size : String(a[sort.key]).localeCompare(String(b[sort.key]));
    return sort.desc ? -d : d;
  });
  const th = (key: SortKey, text: string) => (
    <th className={key === 'size' ? 'num' : undefined} aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      <button className="link" onClick={() => setSort(s => ({ key, desc: s.key === key ? !s.desc : key !== 'name' }))}>
        {text}{sort.key === key ? (sort.desc ? ' ▼' : ' ▲') : ''}
      </button>
    </th>
  );
  return (
    <div>
      <div className="row seg-head">
        <h1>Segments</h1>
        {creates && <Link className="button primary" to="/segments/new">New segment</Link>}
      </div>
      <ErrorBox error={error} />
      {loading && !data && <Loading />}
      {data && !rows.length && (
        <Empty>No segments yet. {creates ? 'Create one with the New segment button: pick traits, events and channels, and watch its size as you go.' : 'Ask a marketer to create one.'}</Empty>
      )}
      {rows.length > 0 && (
        <table aria-label="segments">
          <thead><tr>{th('name', 'Name')}{th('size', 'Size')}<th>Status</th>{th('updatedAt', 'Updated')}</tr></thead>
          <tbody>
            {rows.map(s => (
              <tr key={s.id}>
                <td><Link to={`/segments/${s.id}`}>{s.name}</Link>{s.description && <div className="muted seg-desc">{s.description}</div>}</td>
                <td className="num">{fmt(s.size)}</td>
                <td>{s.status === 'computing' ? `computing ${Math.floor((s.progress.done / Math.max(1, s.progress.total)) * 100)}%` : 'ready'}</td>
                <td>{when(s.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
