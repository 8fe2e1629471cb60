import { useState } from 'react';
import { can, del, put } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { ErrorBox, Loading, useGet, when } from '../../ui.tsx';
import { SettingsFields, initialValues, toSettings, type Schema } from './SettingsFields.tsx';

export interface ProviderInfo { name: string; channels: string[]; secretFields: string[]; settings: Schema }
interface ChannelView { channel: string; provider: string; settings: Record<string, unknown>; secrets: Record<string, { set: boolean }>; rateLimit: number | null; updatedAt: string }

export function Channels() {
  const { user } = useAuth();
  const providers = useGet<{ data: ProviderInfo[] }>('providers');
  const channels = useGet<{ channels: ChannelView[] }>('channels');
  const [editing, setEditing] = useState<string | null>(null);
  if (providers.error || channels.error) return <ErrorBox error={providers.error ?? channels.error} />;
  if (!providers.data || !channels.data) return <Loading />;
  const configured = new Map(channels.data.channels.map(c => [c.channel, c]));
  const names = [...new Set([...providers.data.data.flatMap(p => p.channels), ...configured.keys()])].sort();
  const admin = can(user, 'admin');
  return (
    <section aria-label="Channels">
      {!admin && <p className="note">Only admins configure channels. You can see what each channel uses.</p>}
      {names.map(ch => {
        const cfg = configured.get(ch);
        return (
          <div className="card channel-card" key={ch} data-testid={`channel-${ch}`}>
            <header>
              <div><b>{ch}</b> {cfg ? <span className="badge">{cfg.provider}</span> : <span className="badge off">not configured</span>}</div>
              {admin && editing !== ch && <button onClick={() => setEditing(ch)}>{cfg ? 'Edit' : 'Configure'}</button>}
            </header>
            {editing === ch
              ? <ChannelForm channel={ch} current={cfg} providers={providers.data!.data.filter(p => p.channels.includes(ch))}
                onDone={() => { setEditing(null); channels.reload(); }} />
              : cfg ? <Summary cfg={cfg} /> : <p className="muted">Messages on {ch} are suppressed until a provider is configured. The capture provider keeps them for testing without sending.</p>}
          </div>
        );
      })}
    </section>
  );
}

function Summary({ cfg }: { cfg: ChannelView }) {
  const shown = Object.entries(cfg.settings).filter(([, v]) => v !== undefined && v !== '••••');
  return (
    <div className="muted small">
      {shown.map(([k, v]) => <span key={k}>{k}: {typeof v === 'object' ? JSON.stringify(v) : String(v)} · </span>)}
      {Object.entries(cfg.secrets).map(([k, s]) => <span key={k}>{k}: <span className="set">{s.set ? 'set' : 'not set'}</span> · </span>)}
      rate limit: {cfg.rateLimit ? `${cfg.rateLimit}/s` : 'none'} · updated {when(cfg.updatedAt)}
    </div>
  );
}

function ChannelForm({ channel, current, providers, onDone }: { channel: string; current?: ChannelView; providers: ProviderInfo[]; onDone: () => void }) {
  const [provider, setProvider] = useState(current?.provider ?? providers.find(p => p.name !== 'capture')?.name ?? providers[0]?.name ?? '');
  const info = providers.find(p => p.name === provider);
  const [values, setValues] = useState<Record<string, string | boolean>>(() => (info ? initialValues(info.settings, current?.provider === provider ? current.settings : {}) : {}));
  const [rate, setRate] = useState(current?.rateLimit ? String(current.rateLimit) : '');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const pick = (name: string) => {
    setProvider(name);
    const p = providers.find(x => x.name === name);
    setValues(p ? initialValues(p.settings, current?.provider === name ? current.settings : {}) : {});
  };
  const save = async () => {
    if (!info) return;
    setBusy(true); setError(undefined);
    try {
      // Secrets left empty are left out: the server keeps the stored one (same provider).
      const settings = toSettings(info.settings, values, info.secretFields);
      await put(`channels/${channel}`, { provider, settings, rateLimit: rate.trim() ? Number(rate) : null });
      onDone();
    } catch (e) { setError(e); } finally { setBusy(false); }
  };
  const remove = async () => {
    if (!confirm(`Remove the ${channel} configuration? Messages on ${channel} will be suppressed.`)) return;
    try { await del(`channels/${channel}`); onDone(); } catch (e) { setError(e); }
  };
  return (
    <form className="stack" onSubmit={e => { e.preventDefault(); void save(); }} aria-label={`Configure ${channel}`}>
      <label className="field">Provider
        <select aria-label="Provider" value={provider} onChange={e => pick(e.target.value)}>{providers.map(p => <option key={p.name}>{p.name}</option>)}</select>
      </label>
      {info && <SettingsFields schema={info.settings} secretFields={info.secretFields} secretsSet={current?.provider === provider ? current.secrets : {}} values={values} onChange={setValues} />}
      <label className="field">Rate limit (messages per second, empty for none)
        <input aria-label="Rate limit" type="number" min="0" step="any" value={rate} onChange={e => setRate(e.target.value)} />
      </label>
      <ErrorBox error={error} />
      <div className="row">
        <button type="submit" disabled={busy}>{busy ? 'Saving…' : 'Save'}</button>
        <button type="button" onClick={onDone}>Cancel</button>
        {current && <button type="button" className="link" onClick={() => void remove()}>Remove configuration</button>}
      </div>
    </form>
  );
}
