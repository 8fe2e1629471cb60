/**
 * Renders a template for one profile into the content a provider sends. Liquid runs first on
 * every field (HTML-escaping in mjml/html), then MJML turns the email into responsive HTML, and
 * the text part is derived from that HTML when the template has no `text`.
 * Async because mjml 5 is. A field that fails throws `invalid(field, reason)` with
 * `details.reason` ('time_limit', 'memory_limit', 'missing_partial', ...).
 */
import { invalid } from '../../shared/index.ts';
import type { MessageContent } from '../providers/types.ts';
import { htmlToText } from './htmlToText.ts';
import { engineFor, parseCached, renderLiquid, TemplateError } from './liquid.ts';
import { compileMjml } from './mjml.ts';
import { DEFAULT_LIMITS, HTML_FIELDS, TEMPLATE_FIELDS, type RenderOptions, type Template, type TemplateContext, type TemplateField, type TemplateLimits } from './types.ts';

export async function renderTemplate(template: Template, context: TemplateContext, opts: RenderOptions = {}): Promise<MessageContent> {
  const limits: TemplateLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const scope = toScope(context);
  const out: Partial<Record<TemplateField, string>> = {};
  for (const field of TEMPLATE_FIELDS) {
    const source = template[field];
    if (source === undefined) continue;
    out[field] = renderField(field, source, scope, limits, opts.partials);
  }

  const content: MessageContent = {};
  if (out.subject !== undefined) content.subject = oneLine(out.subject);
  if (out.title !== undefined) content.title = oneLine(out.title);
  if (out.url !== undefined) content.url = out.url.trim();
  if (out.body !== undefined) content.body = out.body;

  let html = out.html;
  if (out.mjml !== undefined) {
    try {
      html = (await compileMjml(out.mjml)).html;
    } catch (err) {
      throw fieldError('mjml', err);
    }
  }
  if (html !== undefined) content.html = html;
  const text = out.text ?? (html !== undefined ? htmlToText(html) : undefined);
  if (text !== undefined) content.text = text;
  // SMS and chat channels send `body`; a template that only wrote `text` still sends something.
  if (content.body === undefined && template.channel !== 'email' && out.text !== undefined) content.body = out.text;
  return content;
}

export function renderField(field: TemplateField, source: string, scope: object, limits: TemplateLimits, partials?: Record<string, string>): string {
  try {
    const engine = engineFor(HTML_FIELDS.has(field), limits, partials);
    return renderLiquid(engine, parseCached(engine, source), scope, limits);
  } catch (err) {
    throw fieldError(field, err);
  }
}

/** Absent parts of the context are empty objects, so `{{ offer.code }}` prints "" not an error. */
export function toScope(context: TemplateContext): Record<string, unknown> {
  return {
    profile: { id: context.profile.id, traits: context.profile.traits ?? {}, computed: context.profile.computed ?? {} },
    event: context.event ?? {},
    journey: context.journey ?? {},
    offer: context.offer ?? {},
    message: context.message ?? {},
  };
}

function fieldError(field: string, err: unknown) {
  if (err instanceof TemplateError) return invalid(field, err.message, { reason: err.reason });
  return invalid(field, (err as Error)?.message ?? String(err), { reason: 'render' });
}

/** Subjects and titles are single header-like lines, whatever whitespace the template had. */
function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
