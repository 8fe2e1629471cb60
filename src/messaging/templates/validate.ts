/**
 * Save-time validation: the shape (zod), then every Liquid field is parsed (syntax, unknown
 * tags, unknown filters) and trial-rendered with an empty context (filter arguments, partials),
 * then MJML is checked on that trial output. Errors name the field: `subject: unknown filter
 * "nope" (line 1, col 1)`, `mjml: line 3: mj-column cannot be used inside mj-body, ...`.
 * Partials a template uses must be passed in `opts.partials`, as at render time.
 */
import { z } from 'zod';
import { fromZodIssues, invalid } from '../../shared/index.ts';
import { TemplateError } from './liquid.ts';
import { checkMjml } from './mjml.ts';
import { renderField, toScope } from './render.ts';
import { DEFAULT_LIMITS, TEMPLATE_FIELDS, type RenderOptions, type Template, type TemplateLimits } from './types.ts';

const source = z.string().max(DEFAULT_LIMITS.parseLimit, `must be at most ${DEFAULT_LIMITS.parseLimit} characters`);

export const templateSchema = z.object({
  key: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'must be 1-100 letters, digits, "_", "." or "-"'),
  channel: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a channel name such as email, sms or push'),
  locale: z.string().regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/, 'must be a locale such as "fr" or "fr-CA"').optional(),
  subject: source.optional(),
  mjml: source.optional(),
  html: source.optional(),
  text: source.optional(),
  body: source.optional(),
  title: source.optional(),
  url: source.optional(),
}).superRefine((t, ctx) => {
  const need = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (t.channel === 'email') {
    if (!t.subject?.trim()) need('subject', 'an email needs a subject');
    if (t.mjml !== undefined && t.html !== undefined) need('html', 'give mjml or html, not both');
    else if (!t.mjml?.trim() && !t.html?.trim()) need('mjml', 'an email needs mjml or html');
  } else {
    if (t.mjml !== undefined) need('mjml', 'only email templates take MJML');
    if (t.channel === 'sms' && !t.body?.trim() && !t.text?.trim()) need('body', 'an SMS needs a body');
    if (t.channel === 'push' && !t.body?.trim() && !t.title?.trim()) need('body', 'a push notification needs a title or a body');
  }
  if (!TEMPLATE_FIELDS.some(f => t[f]?.trim())) need('body', 'the template is empty');
});

export async function validateTemplate(input: unknown, opts: RenderOptions = {}): Promise<Template> {
  const parsed = templateSchema.safeParse(input);
  if (!parsed.success) throw fromZodIssues(parsed.error.issues);
  const template: Template = parsed.data;
  const limits: TemplateLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const scope = toScope({ profile: { id: '', traits: {}, computed: {} } });
  for (const field of TEMPLATE_FIELDS) {
    const src = template[field];
    if (src === undefined) continue;
    const rendered = renderField(field, src, scope, limits, opts.partials);
    if (field === 'mjml') {
      try {
        await checkMjml(rendered);
      } catch (err) {
        throw err instanceof TemplateError ? invalid('mjml', err.message, { reason: err.reason }) : err;
      }
    }
  }
  return template;
}
