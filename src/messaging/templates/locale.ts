/**
 * Which variant of a template a profile gets: the exact locale ("fr-CA"), else its language
 * ("fr"), else another variant of that language ("fr-FR" for an "fr-CA" or "fr" profile), else
 * the default variant (the one without a locale), else the first variant. Locales compare
 * case-insensitively and "_" counts as "-" (browsers and SDKs send both "fr_CA" and "fr-ca").
 */

export function normalizeLocale(locale: string | null | undefined): string | undefined {
  const l = locale?.trim().replace(/_/g, '-').toLowerCase();
  return l || undefined;
}

const language = (l: string) => l.split('-')[0];

export function pickLocale<T extends { locale?: string | null }>(variants: readonly T[], profileLocale?: string | null): T | undefined {
  if (!variants.length) return undefined;
  const fallback = variants.find(v => !normalizeLocale(v.locale)) ?? variants[0];
  const wanted = normalizeLocale(profileLocale);
  if (!wanted) return fallback;
  const withLocale = variants.map(v => ({ v, l: normalizeLocale(v.locale) })).filter((x): x is { v: T; l: string } => !!x.l);
  const lang = language(wanted);
  return withLocale.find(x => x.l === wanted)?.v
    ?? withLocale.find(x => x.l === lang)?.v
    ?? withLocale.find(x => language(x.l) === lang)?.v
    ?? fallback;
}
