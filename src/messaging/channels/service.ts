/**
 * Channel configuration: which provider serves a channel in a workspace, with what settings.
 * Secret settings are sealed (see secrets.ts) and never leave this service except into the
 * provider instance; views show them as "••••" plus `secrets: {field: {set: true}}`.
 */
import type { Db } from '../../store/index.ts';
import { ms } from '../../store/index.ts';
import { fromZodIssues, invalid, newId, OmnisError, type Clock } from '../../shared/index.ts';
import { ProviderError, type AudienceProvider, type Provider } from '../providers/index.ts';
import type { CaptureDeps } from '../providers/capture.ts';
import { secretBox, type SecretBox } from './secrets.ts';
import { channelsOf, defaultRegistry, type ProviderEntry, type ProviderRegistry } from './registry.ts';
import { providerCatalog, type ProviderInfo } from './catalog.ts';

/** How a stored secret is shown; PUT it back unchanged to keep the stored value. */
export const MASK = '••••';
const CHANNEL = /^[a-z][a-z0-9_]{0,31}$/;

export interface ChannelConfigInput {
  provider: string;
  settings?: Record<string, unknown>;
  /** Messages per second through this channel's provider; null or absent: unlimited. */
  rateLimit?: number | null;
}

export interface ChannelConfigView {
  channel: string;
  provider: string;
  settings: Record<string, unknown>;
  secrets: Record<string, { set: boolean }>;
  rateLimit: number | null;
  updatedAt: number;
}

/** A channel's live provider, as the dispatcher uses it. */
export interface ResolvedChannel {
  providerName: string;
  provider: Provider | AudienceProvider;
  rateLimit: number | null;
  noIdempotency: boolean;
  /** Changes whenever the configuration does. */
  revision: string;
}

export interface ChannelServiceDeps {
  db: Db;
  clock: Clock;
  /** OMNIS_SECRET_KEY: the key channel secrets are sealed under. */
  secretKey: string;
  /** Default: every built-in provider plus capture. */
  providers?: ProviderRegistry;
  /** Passed to HTTP providers (tests point them at local fakes). Default global fetch. */
  fetch?: typeof fetch;
}

interface ConfigRow {
  workspace_id: string; channel: string; provider: string; settings: unknown; secrets_enc: string | null; secret_fields: string[];
  rate_limit: number | null; revision: string; updated_at: unknown;
}

export class ChannelService {
  private readonly box: SecretBox;
  private readonly registry: ProviderRegistry;
  private readonly cache = new Map<string, { revision: string; entry: Promise<ResolvedChannel> }>();

  constructor(private readonly deps: ChannelServiceDeps) {
    this.box = secretBox(deps.secretKey);
    this.registry = deps.providers ?? defaultRegistry(deps.db);
  }

  /** True when the named provider cannot dedupe a resend (see NO_IDEMPOTENCY in registry.ts). */
  noIdempotency(providerName: string): boolean {
    return this.registry[providerName]?.noIdempotency ?? false;
  }

  /** Providers that can serve a channel, for error messages and the console. */
  providersFor(channel: string): string[] {
    return Object.values(this.registry).filter(f => channelsOf(f).includes(channel)).map(f => f.name).sort();
  }

  /** Every provider this server has, with its settings schema, for the console's channel forms. */
  providers(): ProviderInfo[] {
    return providerCatalog(this.registry);
  }

  async put(workspaceId: string, channel: string, input: ChannelConfigInput): Promise<ChannelConfigView> {
    if (!CHANNEL.test(channel)) throw invalid('channel', 'must be a channel name like "email" or "direct_mail"');
    const factory = this.registry[input.provider];
    if (!factory) throw invalid('provider', `unknown provider "${input.provider}"; known: ${Object.keys(this.registry).sort().join(', ')}`);
    if (!channelsOf(factory).includes(channel)) {
      const fits = this.providersFor(channel);
      throw invalid('provider', `${factory.name} does not serve channel ${channel}${fits.length ? `; use ${fits.join(', ')}` : ''}`);
    }
    const given = input.settings ?? {};
    if (typeof given !== 'object' || Array.isArray(given)) throw invalid('settings', 'must be an object');
    const rateLimit = input.rateLimit ?? null;
    if (rateLimit !== null && !(typeof rateLimit === 'number' && Number.isFinite(rateLimit) && rateLimit > 0)) {
      throw invalid('rateLimit', 'must be a positive number of messages per second');
    }

    const settings = await this.keepStoredSecrets(workspaceId, channel, factory, given);
    const parsed = factory.settings.safeParse(settings);
    if (!parsed.success) throw fromZodIssues(parsed.error.issues, 'settings');
    const full = parsed.data as Record<string, unknown>;
    await this.tryCreate(factory, full, workspaceId, channel);

    const secrets: Record<string, unknown> = {};
    const visible: Record<string, unknown> = { ...full };
    for (const f of factory.secretFields) {
      if (full[f] !== undefined) secrets[f] = full[f];
      delete visible[f];
    }
    const sealed = Object.keys(secrets).length ? this.box.seal(secrets, workspaceId, channel) : null;
    const rows = await this.deps.db.query<ConfigRow>(
      `insert into channel_configs (workspace_id, channel, provider, settings, secrets_enc, secret_fields, rate_limit, revision, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       on conflict (workspace_id, channel) do update
         set provider = $3, settings = $4, secrets_enc = $5, secret_fields = $6, rate_limit = $7, revision = $8, updated_at = $9
       returning *`,
      [workspaceId, channel, factory.name, JSON.stringify(visible), sealed, Object.keys(secrets), rateLimit, newId('rev'),
        new Date(this.deps.clock.now()).toISOString()],
    );
    return this.view(rows[0]);
  }

  async get(workspaceId: string, channel: string): Promise<ChannelConfigView | null> {
    const row = await this.row(workspaceId, channel);
    return row ? this.view(row) : null;
  }

  async list(workspaceId: string): Promise<ChannelConfigView[]> {
    const rows = await this.deps.db.query<ConfigRow>('select * from channel_configs where workspace_id = $1 order by channel', [workspaceId]);
    return rows.map(r => this.view(r));
  }

  async remove(workspaceId: string, channel: string): Promise<boolean> {
    const rows = await this.deps.db.query('delete from channel_configs where workspace_id = $1 and channel = $2 returning channel', [workspaceId, channel]);
    await this.evict(`${workspaceId}\u0000${channel}`);
    return rows.length > 0;
  }

  /** The channel's provider instance, or null when the channel is not configured. */
  async providerFor(workspaceId: string, channel: string): Promise<Provider | AudienceProvider | null> {
    return (await this.resolve(workspaceId, channel))?.provider ?? null;
  }

  /**
   * Reads the configuration (one primary-key lookup, so a change made by another process is
   * seen at the next send) and reuses the instance built for the same revision.
   */
  async resolve(workspaceId: string, channel: string): Promise<ResolvedChannel | null> {
    const key = `${workspaceId}\u0000${channel}`;
    const row = await this.row(workspaceId, channel);
    if (!row) { await this.evict(key); return null; }
    const cached = this.cache.get(key);
    if (cached?.revision === row.revision) return cached.entry;
    await this.evict(key);
    const entry = this.build(row);
    this.cache.set(key, { revision: row.revision, entry });
    entry.catch(() => { if (this.cache.get(key)?.entry === entry) this.cache.delete(key); });
    return entry;
  }

  /** Closes every provider instance built (pooled SMTP connections...). */
  async close(): Promise<void> {
    await Promise.all([...this.cache.keys()].map(k => this.evict(k)));
  }

  private async build(row: ConfigRow): Promise<ResolvedChannel> {
    const factory = this.registry[row.provider];
    if (!factory) throw invalid('provider', `channel ${row.channel} uses provider "${row.provider}", which this server does not have`);
    const secrets = row.secrets_enc ? this.box.open(row.secrets_enc, row.workspace_id, row.channel) : {};
    const parsed = factory.settings.safeParse({ ...json(row.settings), ...secrets });
    if (!parsed.success) throw fromZodIssues(parsed.error.issues, 'settings');
    const provider = factory.create(parsed.data as never, this.providerDeps(row.workspace_id));
    return { providerName: factory.name, provider, rateLimit: row.rate_limit, noIdempotency: factory.noIdempotency ?? false, revision: row.revision };
  }

  private providerDeps(workspaceId: string): CaptureDeps {
    return { now: () => this.deps.clock.now(), fetch: this.deps.fetch, workspaceId };
  }

  private async evict(key: string) {
    const cached = this.cache.get(key);
    if (!cached) return;
    this.cache.delete(key);
    const old = await cached.entry.catch(() => null);
    if (old && 'close' in old.provider && typeof old.provider.close === 'function') await old.provider.close().catch(() => {});
  }

  /** Secret fields left out, or sent back as the mask, keep the stored value (same provider only). */
  private async keepStoredSecrets(workspaceId: string, channel: string, factory: ProviderEntry, given: Record<string, unknown>) {
    const settings = { ...given };
    const missing = factory.secretFields.filter(f => settings[f] === undefined || settings[f] === MASK);
    if (missing.length === 0) return settings;
    const row = await this.row(workspaceId, channel);
    const stored = row?.provider === factory.name && row.secrets_enc ? this.box.open(row.secrets_enc, workspaceId, channel) : {};
    for (const f of missing) {
      if (stored[f] !== undefined) settings[f] = stored[f];
      else if (settings[f] === MASK) throw invalid(`settings.${f}`, `give the secret itself; "${MASK}" only stands for one already stored`);
    }
    return settings;
  }

  /** Building the provider catches what the schema cannot (a malformed private key...). */
  private async tryCreate(factory: ProviderEntry, settings: Record<string, unknown>, workspaceId: string, channel: string) {
    let provider: Provider | AudienceProvider;
    try {
      provider = factory.create(settings as never, this.providerDeps(workspaceId));
    } catch (err) {
      if (err instanceof OmnisError) throw err;
      const message = err instanceof ProviderError || err instanceof Error ? err.message : String(err);
      throw invalid('settings', `the ${factory.name} provider refused these settings for ${channel}: ${message}`);
    }
    if ('close' in provider && typeof provider.close === 'function') await provider.close().catch(() => {});
  }

  private async row(workspaceId: string, channel: string): Promise<ConfigRow | null> {
    const rows = await this.deps.db.query<ConfigRow>('select * from channel_configs where workspace_id = $1 and channel = $2', [workspaceId, channel]);
    return rows[0] ?? null;
  }

  private view(row: ConfigRow): ChannelConfigView {
    const factory = this.registry[row.provider];
    const settings = json(row.settings);
    const stored = row.secret_fields ?? [];
    const secrets: Record<string, { set: boolean }> = {};
    for (const f of factory?.secretFields ?? stored) {
      secrets[f] = { set: stored.includes(f) };
      if (stored.includes(f)) settings[f] = MASK;
    }
    return { channel: row.channel, provider: row.provider, settings, secrets, rateLimit: row.rate_limit == null ? null : Number(row.rate_limit), updatedAt: ms(row.updated_at) };
  }
}

const json = (v: unknown): Record<string, unknown> => ({ ...((typeof v === 'string' ? JSON.parse(v) : v) as Record<string, unknown>) });
