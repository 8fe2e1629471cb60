/** Templates: Liquid over the profile, MJML for email, locale variants. See types.ts. */
export { renderTemplate } from './render.ts';
export { validateTemplate, templateSchema } from './validate.ts';
export { pickLocale, normalizeLocale } from './locale.ts';
export { htmlToText } from './htmlToText.ts';
export { TemplateError } from './liquid.ts';
export { benchRender } from './bench.ts';
export { DEFAULT_LIMITS, TEMPLATE_FIELDS, type Template, type TemplateContext, type TemplateLimits, type RenderOptions, type TemplateField } from './types.ts';
export { TemplateStore } from './store.ts';
