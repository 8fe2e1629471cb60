import type { Db } from '../../store/index.ts';
import { isoOf } from '../../store/index.ts';
import { notFound, conflict, type Clock } from '../../shared/index.ts';
import { validateTemplate } from './validate.ts';
import { pickLocale } from './locale.ts';
import type { Template } from './types.ts';

/** Templates by key; a key has a variant per channel and per locale. */
export class TemplateStore {
  constructor(private db: Db, private clock: Clock) {}

  async create(workspaceId: string, input: unknown): Promise<Template & { createdAt: string; updatedAt: string }> {
    const t = await validateTemplate(input);
    const now = new Date(this.clock.now()).toISOString();
    const rows = await this.db.query(
      `insert into templates (workspace_id, key, channel, locale, template, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $6)
       on conflict do nothing returning key`, [workspaceId, t.key, t.channel, t.locale ?? '', JSON.stringify(t), now]);
    if (!rows.length) throw conflict(`template "${t.key}" already has a ${t.channel}${t.locale ? ` ${t.locale}` : ''} variant; PUT it to change it`, 'key');
    return { ...t, createdAt: now, updatedAt: now };
  }

  async put(workspaceId: string, key: string, input: unknown): Promise<Template> {
    const t = await validateTemplate({ ...(input as object), key });
    const now = new Date(this.clock.now()).toISOString();
    await this.db.query(
      `insert into templates (workspace_id, key, channel, locale, template, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $6)
       on conflict (workspace_id, key, channel, locale) do update set template = excluded.template, updated_at = excluded.updated_at`,
      [workspaceId, t.key, t.channel, t.locale ?? '', JSON.stringify(t), now]);
    return t;
  }

  async variants(workspaceId: string, key: string, channel?: string): Promise<(Template & { updatedAt: string })[]> {
    const rows = await this.db.query<{ template: Template; updated_at: Date }>(
      'select template, updated_at from templates where workspace_id = $1 and key = $2 and ($3::text is null or channel = $3) order by channel, locale', [workspaceId, key, channel ?? null]);
    return rows.map(r => ({ ...r.template, updatedAt: isoOf(r.updated_at) }));
  }

  async list(workspaceId: string): Promise<{ key: string; channels: string[]; locales: string[]; updatedAt: string }[]> {
    const rows = await this.db.query<{ key: string; channels: string[]; locales: string[]; updated_at: Date }>(
      `select key, array_agg(distinct channel) as channels, array_agg(distinct locale) as locales, max(updated_at) as updated_at
         from templates where workspace_id = $1 group by key order by key`, [workspaceId]);
    return rows.map(r => ({ key: r.key, channels: r.channels, locales: r.locales.filter(Boolean), updatedAt: isoOf(r.updated_at) }));
  }

  async remove(workspaceId: string, key: string): Promise<void> {
    const rows = await this.db.query('delete from templates where workspace_id = $1 and key = $2 returning key', [workspaceId, key]);
    if (!rows.length) throw notFound(`template ${key}`);
  }

  /** The variant for a channel and the profile's locale (exact, then language, then default). */
  async load(workspaceId: string, key: string, channel: string, locale: string | null): Promise<Template | null> {
    return pickLocale(await this.variants(workspaceId, key, channel), locale) ?? null;
  }

  async exists(workspaceId: string, key: string, channel: string): Promise<boolean> {
    return (await this.db.query('select 1 from templates where workspace_id = $1 and key = $2 and channel = $3 limit 1', [workspaceId, key, channel])).length > 0;
  }
}
