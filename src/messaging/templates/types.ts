/**
 * Templates: what a marketer writes once and every channel renders from the same profile.
 *
 * Glossary
 * - template: Liquid sources per field for one channel and (optionally) one locale; variants of
 *   the same `key` differ by locale, and the one without a locale is the default.
 * - context: what Liquid sees: `profile` (id, traits, computed traits), and the `event`,
 *   `journey`, `offer` and `message` the send is about. Anything missing renders as "".
 * - partials: other templates of the same workspace, by name, that `{% render %}` and
 *   `{% include %}` may pull in. Nothing is ever read from disk.
 */

export interface Template {
  key: string;
  channel: string;
  /** BCP 47, e.g. "fr" or "fr-CA"; absent on the default variant. */
  locale?: string;
  subject?: string;
  /** Email: MJML source, rendered to responsive HTML (give mjml or html, not both). */
  mjml?: string;
  html?: string;
  /** Email plain-text part; derived from the HTML when absent. SMS/push fall back to it too. */
  text?: string;
  /** SMS, push, Messenger, WhatsApp body. */
  body?: string;
  title?: string;
  url?: string;
}

/** The Liquid source fields of a template, in the order they are checked. */
export const TEMPLATE_FIELDS = ['subject', 'mjml', 'html', 'text', 'body', 'title', 'url'] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

/** Fields rendered as HTML: Liquid output in them is HTML-escaped unless piped through `raw`. */
export const HTML_FIELDS: ReadonlySet<TemplateField> = new Set(['mjml', 'html']);

export interface TemplateContext {
  profile: { id: string; traits: Record<string, unknown>; computed: Record<string, unknown> };
  event?: Record<string, unknown> | null;
  journey?: Record<string, unknown> | null;
  offer?: Record<string, unknown> | null;
  message?: Record<string, unknown> | null;
}

export interface TemplateLimits {
  /** Characters Liquid parses per source (a field, or each partial it pulls in); default 200 000. */
  parseLimit: number;
  /** Wall-clock time per field render; default 500 ms. */
  renderLimitMs: number;
  /** liquidjs memory units per field render (≈ characters allocated by ranges, filters and
   * output); default 10 000 000. */
  memoryLimit: number;
  /** Characters of output per field; default 1 000 000 (Gmail clips messages past ~100 KB anyway). */
  maxOutputChars: number;
}

export const DEFAULT_LIMITS: TemplateLimits = {
  parseLimit: 200_000,
  renderLimitMs: 500,
  memoryLimit: 10_000_000,
  maxOutputChars: 1_000_000,
};

export interface RenderOptions {
  /** name → Liquid source of other templates in the same workspace. */
  partials?: Record<string, string>;
  limits?: Partial<TemplateLimits>;
}
