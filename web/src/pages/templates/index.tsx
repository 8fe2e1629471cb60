import { Link, Route, Routes, useParams } from 'react-router';
import { can } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { Empty, ErrorBox, Loading, useGet, when } from '../../ui.tsx';
import { TemplateEditor } from './TemplateEditor.tsx';
import './templates.css';

interface Row { key: string; channels: string[]; locales: string[]; updatedAt: string }

export default function TemplatesPage() {
  return (
    <Routes>
      <Route index element={<TemplateList />} />
      <Route path="new" element={<TemplateEditor templateKey={null} />} />
      <Route path=":key" element={<Edit />} />
    </Routes>
  );
}

function Edit() {
  const { key } = useParams();
  return <TemplateEditor key={key} templateKey={key!} />;
}

function TemplateList() {
  const { user } = useAuth();
  const { data, error } = useGet<{ data: Row[] }>('templates');
  return (
    <div className="templates">
      <div className="row tpl-head">
        <h1>Templates</h1>
        {can(user, 'write') && <Link className="button primary" to="/templates/new">New template</Link>}
      </div>
      <ErrorBox error={error} />
      {!data ? (!error && <Loading />) : data.data.length === 0 ? (
        <Empty>No templates yet. {can(user, 'write') ? <Link to="/templates/new">Create one</Link> : 'A marketer can create one'}: an email (MJML or HTML), an SMS, a push or a Messenger message, with Liquid such as {'{{ profile.traits.first_name }}'}.</Empty>
      ) : (
        <table data-testid="template-list">
          <thead><tr><th>Key</th><th>Channels</th><th>Locales</th><th>Updated</th></tr></thead>
          <tbody>{data.data.map(t => (
            <tr key={t.key}>
              <td><Link to={`/templates/${encodeURIComponent(t.key)}`}>{t.key}</Link></td>
              <td>{t.channels.join(', ')}</td>
              <td>{t.locales.length ? `default, ${t.locales.join(', ')}` : 'default'}</td>
              <td>{when(t.updatedAt)}</td>
            </tr>
          ))}</tbody>
        </table>
      )}
    </div>
  );
}
