/**
 * Email opens and clicks seen by Omnis itself, for providers that report none (SMTP has no
 * engagement webhook). At send time `trackEmail` rewrites each http(s) link of the HTML to a
 * signed redirect `{publicUrl}/t/c/TOKEN` (the target gains utm_source, utm_medium=email,
 * utm_campaign and utm_content unless it has them) and adds a 1×1 pixel `{publicUrl}/t/o/TOKEN`.
 * Fetching them records "Email Opened" / "Email Link Clicked" through FeedbackService.record,
 * pinned to the message's profile with its message id, journey and step, like a provider's
 * webhook would.
 *
 * Tokens: base64url(JSON [v, workspaceId, messageId, url?]) "." base64url(HMAC-SHA256) under a
 * key derived from OMNIS_SECRET_KEY, apart from the unsubscribe links' key. They never expire:
 * a link in an old email must still lead somewhere, and the signature alone stops the
 * redirect from being pointed anywhere else.
 *
 * Only providers listed in TRACKED_PROVIDERS get this: SendGrid tracks opens and clicks
 * itself (its webhook reports them), and capture keeps exactly what the template rendered.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { MessageContent } from '../providers/index.ts';
import type { OutboxMessage } from '../outbox/index.ts';
import type { FeedbackService } from './service.ts';

export const TRACKED_PROVIDERS: readonly string[] = ['smtp'];
const VERSION = 1;

export interface TrackingClaims { workspaceId: string; messageId: string; url?: string }

function key(secretKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, 'omnis', 'omnis email tracking v1', 32));
}

export function signTracking(secretKey: string, c: TrackingClaims): string {
  const payload = Buffer.from(JSON.stringify([VERSION, c.workspaceId, c.messageId, ...(c.url ? [c.url] : [])])).toString('base64url');
  return `${payload}.${createHmac('sha256', key(secretKey)).update(payload).digest('base64url')}`;
}

/** The claims of a token Omnis signed, else null. */
export function verifyTracking(secretKey: string, token: string): TrackingClaims | null {
  const [payload, sig, extra] = typeof token === 'string' ? token.split('.') : [];
  if (!payload || !sig || extra !== undefined || !/^[A-Za-z0-9_-]+$/.test(payload) || !/^[A-Za-z0-9_-]+$/.test(sig)) return null;
  const given = Buffer.from(sig, 'base64url');
  const expected = createHmac('sha256', key(secretKey)).update(payload).digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let raw: unknown;
  try { raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')); } catch { return null; }
  if (!Array.isArray(raw) || raw[0] !== VERSION || raw.length < 3 || raw.length > 4 || !raw.slice(1).every(s => typeof s === 'string' && s)) return null;
  return { workspaceId: raw[1], messageId: raw[2], ...(raw[3] ? { url: raw[3] } : {}) };
}

/** The target with utm_* added where the link does not set them itself. */
export function withUtm(url: string, utm: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(utm)) if (v && !u.searchParams.has(k)) u.searchParams.set(k, v);
  return u.toString();
}

const decodeAttr = (s: string) => s.replace(/&amp;/g, '&').replace(/&#38;/g, '&');

/** The message's content with links and a pixel pointing at Omnis, when its provider needs that. */
export function trackEmail(publicUrl: string, secretKey: string, m: OutboxMessage, content: MessageContent): MessageContent {
  if (m.channel !== 'email' || !content.html || !TRACKED_PROVIDERS.includes(m.provider ?? '')) return content;
  const base = publicUrl.replace(/\/+$/, '');
  const journey = m.context.journey && typeof m.context.journey === 'object' && !Array.isArray(m.context.journey) ? m.context.journey : {};
  const utm = {
    utm_source: 'omnis', utm_medium: 'email',
    utm_campaign: typeof journey.name === 'string' ? journey.name : m.templateKey, utm_content: m.templateKey,
  };
  const claims = { workspaceId: m.workspaceId, messageId: m.id };
  const html = content.html.replace(/(<a\b[^>]*?\bhref\s*=\s*)(["'])(.*?)\2/gis, (all, head: string, q: string, href: string) => {
    const target = decodeAttr(href.trim());
    // The unsubscribe link must work as it is (and is no engagement); only web links are tracked.
    if (!/^https?:\/\//i.test(target) || target.startsWith(`${base}/u/`)) return all;
    let url: string;
    try { url = withUtm(target, utm); } catch { return all; }
    return `${head}${q}${base}/t/c/${signTracking(secretKey, { ...claims, url })}${q}`;
  });
  const pixel = `<img src="${base}/t/o/${signTracking(secretKey, claims)}" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px">`;
  const at = html.search(/<\/body>/i);
  return { ...content, html: at < 0 ? html + pixel : html.slice(0, at) + pixel + html.slice(at) };
}

/**
 * The public side: the pixel and the redirect record engagement through the feedback path.
 * A failure to record is reported to onError, not thrown: the person clicking must still get
 * where the link goes.
 */
export class EmailTracking {
  constructor(private readonly deps: { secretKey: string; now: () => number; feedback: Pick<FeedbackService, 'record'>; onError: (err: unknown) => void }) {}

  /** Records an open; false when the token is not one Omnis signed (the pixel is served anyway). */
  async open(token: string): Promise<boolean> {
    const c = verifyTracking(this.deps.secretKey, token);
    if (!c || c.url) return false;
    await this.record(c, 'Email Opened', {});
    return true;
  }

  /** Records a click and returns where it goes; null when the token is not one Omnis signed. */
  async click(token: string): Promise<string | null> {
    const c = verifyTracking(this.deps.secretKey, token);
    if (!c?.url) return null;
    await this.record(c, 'Email Link Clicked', { url: c.url });
    return c.url;
  }

  private async record(c: TrackingClaims, event: string, properties: Record<string, unknown>) {
    await this.deps.feedback.record(c.workspaceId, 'omnis', [{
      event, channel: 'email', timestamp: this.deps.now(), properties: { ...properties, outboxId: c.messageId },
    }]).catch(err => this.deps.onError(err));
  }
}
