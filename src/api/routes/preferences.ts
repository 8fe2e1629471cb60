import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { OmnisError } from '../../shared/index.ts';
import { workspaceOf } from '../auth.ts';

interface PreferenceOption { key: string; kind: 'channel' | 'topic'; label: string; description: string | null; granted: boolean }
interface PreferenceView { channel: string; address: string | null; options: PreferenceOption[] }

/** What the public routes need from the messaging module's PreferenceService. */
export interface PreferenceCenter {
  oneClick(token: string): Promise<{ channel: string }>;
  view(token: string): Promise<PreferenceView>;
  save(token: string, form: { consent: string[]; shown?: string[]; unsubscribeAll?: boolean }): Promise<PreferenceView & { changed: number }>;
}

/** What the management routes need: topics, and links for a profile. */
export interface PreferenceAdmin {
  listTopics(workspaceId: string): Promise<object[]>;
  putTopics(workspaceId: string, topics: { key: string; label: string; description?: string | null }[]): Promise<object[]>;
  /** A signed link to /u/TOKEN for a profile and channel. */
  link(workspaceId: string, profileId: string, channel: string): string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`=]/g, c => `&#${c.charCodeAt(0)};`);
}

const STYLE = 'body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}'
  + 'main{max-width:34rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:.75rem;box-shadow:0 1px 3px #0002}'
  + 'h1{font-size:1.4rem;margin-top:0}fieldset{border:1px solid #dde;border-radius:.5rem;margin:1rem 0;padding:.75rem 1rem}'
  + 'label{display:block;margin:.4rem 0}small{display:block;color:#667;margin-left:1.6rem}.notice{background:#e8f6ec;padding:.6rem 1rem;border-radius:.5rem}'
  + 'button{font:inherit;padding:.5rem 1rem;margin:.5rem .5rem 0 0;border-radius:.4rem;border:1px solid #889;background:#fff}'
  + 'button.primary{background:#1d4ed8;color:#fff;border-color:#1d4ed8}';

function layout(title: string, body: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`
    + `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>\n<body><main>${body}</main></body></html>\n`;
}

/** The preference center: a plain form, one checkbox per channel and per topic, no scripts. */
export function preferencePage(view: PreferenceView, action: string, notice?: string): string {
  const box = (o: PreferenceOption) => `<label><input type="checkbox" name="consent" value="${escapeHtml(o.key)}"${o.granted ? ' checked' : ''}> ${escapeHtml(o.label)}</label>`
    + (o.description ? `<small>${escapeHtml(o.description)}</small>` : '')
    + `<input type="hidden" name="shown" value="${escapeHtml(o.key)}">`;
  const channels = view.options.filter(o => o.kind === 'channel');
  const topics = view.options.filter(o => o.kind === 'topic');
  return layout('Your preferences', '<h1>Your preferences</h1>\n'
    + (notice ? `<p class="notice" role="status">${escapeHtml(notice)}</p>\n` : '')
    + (view.address ? `<p>For ${escapeHtml(view.address)}</p>\n` : '')
    + `<form method="post" action="${escapeHtml(action)}">\n`
    + `<fieldset><legend>How we may contact you</legend>\n${channels.map(box).join('\n')}\n</fieldset>\n`
    + (topics.length ? `<fieldset><legend>What about</legend>\n${topics.map(box).join('\n')}\n</fieldset>\n` : '')
    + '<button class="primary" type="submit">Save</button>\n<button type="submit" name="unsubscribe_all" value="1">Unsubscribe from everything</button>\n</form>');
}

export function messagePage(title: string, text: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>`);
}

function html(reply: FastifyReply, status: number, body: string) {
  return reply.status(status)
    // The token is in the URL: keep it out of caches, search engines and Referer headers.
    .header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').header('x-robots-tag', 'noindex')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
    .type('text/html; charset=utf-8').send(body);
}

/** Bad or expired links get a page, not JSON: people, not programs, follow them. */
function failurePage(reply: FastifyReply, err: unknown) {
  if (err instanceof OmnisError && err.field === 'token') {
    return (err as OmnisError & { reason?: string }).reason === 'expired'
      ? html(reply, 410, messagePage('This link has expired', 'Use the link in a more recent message from us, or write to us and we will update your preferences.'))
      : html(reply, 400, messagePage('This link is not valid', 'The link may have been cut short or changed. Copy the whole link from the message and try again.'));
  }
  if (err instanceof OmnisError && err.kind === 'not_found') {
    return html(reply, 404, messagePage('Nothing to update', 'We hold no preferences for you any more.'));
  }
  throw err;
}

/** RFC 8058: the body is "List-Unsubscribe=One-Click", form-urlencoded or multipart/form-data. */
export function isOneClick(body: string, contentType: string | undefined): boolean {
  if (contentType?.toLowerCase().startsWith('multipart/form-data')) {
    return /name="?List-Unsubscribe"?\s*\r?\n(?:[^\r\n]+\r?\n)*\r?\n\s*One-Click\s*(?:\r?\n|$)/i.test(body);
  }
  return new URLSearchParams(body).get('List-Unsubscribe') === 'One-Click';
}

const TOKEN = /^[A-Za-z0-9_-]{8,2000}\.[A-Za-z0-9_-]{8,200}$/;

/**
 * Public: one-click unsubscribe and the preference center behind signed links (/u/TOKEN).
 * The token rides in a wildcard, not a :param: tokens are longer than the router's
 * 100-character limit on parameters.
 */
export async function preferenceRoutes(fastify: FastifyInstance, { preferences }: { preferences: PreferenceCenter }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));
  const tags = ['preferences'];
  const text = (b: unknown) => (typeof b === 'string' ? b : '');
  /** "TOKEN" or "TOKEN/preferences" from the wildcard; null when it is neither. */
  const route = (params: unknown): { token: string; preferences: boolean } | null => {
    const rest = String((params as Record<string, unknown>)['*'] ?? '');
    const [token, sub, ...more] = rest.split('/');
    if (!TOKEN.test(token) || more.length || (sub !== undefined && sub !== 'preferences')) return null;
    return { token, preferences: sub === 'preferences' };
  };
  const badLink = (reply: FastifyReply) => html(reply, 400, messagePage('This link is not valid', 'The link may have been cut short. Copy the whole link from the message and try again.'));

  app.get('/u/*', { schema: { summary: 'The preference center page of a signed link: GET /u/TOKEN', tags } }, async (req, reply) => {
    const r = route(req.params);
    if (!r || r.preferences) return badLink(reply);
    try {
      return html(reply, 200, preferencePage(await preferences.view(r.token), `/u/${r.token}/preferences`));
    } catch (err) { return failurePage(reply, err); }
  });

  app.post('/u/*', {
    schema: { summary: 'POST /u/TOKEN: RFC 8058 one-click unsubscribe (body List-Unsubscribe=One-Click). POST /u/TOKEN/preferences: save the form (consent=KEY... shown=KEY... unsubscribe_all=1)', tags },
  }, async (req, reply) => {
    const r = route(req.params);
    if (!r) return badLink(reply);
    const body = text(req.body);
    try {
      if (!r.preferences) {
        if (!isOneClick(body, req.headers['content-type'])) {
          return html(reply, 400, messagePage('Nothing was changed', 'To unsubscribe, send List-Unsubscribe=One-Click, or open this link in a browser.'));
        }
        await preferences.oneClick(r.token);
        return html(reply, 200, messagePage('You are unsubscribed', 'You will get no more of these messages from us.'));
      }
      const form = new URLSearchParams(body);
      const saved = await preferences.save(r.token, {
        consent: form.getAll('consent'), shown: form.has('shown') ? form.getAll('shown') : undefined, unsubscribeAll: form.get('unsubscribe_all') === '1',
      });
      return html(reply, 200, preferencePage(saved, `/u/${r.token}/preferences`, saved.changed ? 'Your preferences are saved.' : 'Nothing changed.'));
    } catch (err) { return failurePage(reply, err); }
  });
}

const topic = z.object({ key: z.string().min(3).max(100), label: z.string().min(1).max(200), description: z.string().max(1000).nullable().optional() });

/** Management (under /api/v1, admin key): preference topics, and links for a profile. */
export async function preferenceAdminRoutes(fastify: FastifyInstance, { preferences }: { preferences: PreferenceAdmin }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const tags = ['preferences'];
  app.get('/preference-topics', { schema: { summary: 'Topics the preference center offers besides channels', tags } },
    async req => ({ topics: await preferences.listTopics(workspaceOf(req)) }));
  app.put('/preference-topics', {
    schema: { summary: 'Replace the topics ({key: "email.newsletter", label, description?}), in display order', tags, body: z.object({ topics: z.array(topic).max(200) }) },
  }, async req => ({ topics: await preferences.putTopics(workspaceOf(req), req.body.topics) }));
  app.post('/unsubscribe-links', {
    schema: {
      summary: 'A signed unsubscribe / preference link for a profile and channel (valid 365 days)', tags,
      body: z.object({ profileId: z.string().min(1).max(200), channel: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a channel name like "email"') }),
    },
  }, async req => ({ url: preferences.link(workspaceOf(req), req.body.profileId, req.body.channel) }));
}
