/**
 * MJML → responsive email HTML. mjml 5's `mjml2html` is async (it returns a Promise).
 * Sandboxed like Liquid: `mj-include` would read files, so it is refused at save time and
 * ignored at render time (`ignoreIncludes`); no .mjmlconfig is read (no `mjmlConfigPath`,
 * `useMjmlConfigOptions` off), so no custom components load from disk.
 */
import type mjml2htmlFn from 'mjml';
import { TemplateError } from './liquid.ts';

type Mjml2Html = typeof mjml2htmlFn;
// mjml (with juice, cheerio and their CSS tools) takes about a second to load: loaded on the
// first MJML template, so a process that renders none (the CLI, the pipeline thread) never pays it.
let loading: Promise<Mjml2Html> | null = null;
const mjml = () => (loading ??= import('mjml').then(m => m.default));

const OPTIONS = { validationLevel: 'soft', keepComments: false, ignoreIncludes: true, minify: false, beautify: false, useMjmlConfigOptions: false } as const;

export interface MjmlResult { html: string; errors: string[] }

export async function compileMjml(source: string): Promise<MjmlResult> {
  const mjml2html = await mjml();
  let res: Awaited<ReturnType<Mjml2Html>>;
  try {
    res = await mjml2html(source, OPTIONS);
  } catch (err) {
    // "Parsing failed. Check your mjml." and the like: no root <mjml>, not XML at all.
    throw new TemplateError((err as Error).message || 'MJML could not be parsed', 'syntax');
  }
  // formattedMessage names the server's working directory: build the message from the parts.
  const errors = res.errors.map(e => `line ${e.line}: ${e.message}`);
  return { html: res.html, errors };
}

/** Save-time check of MJML already rendered by Liquid (with an empty context). */
export async function checkMjml(source: string): Promise<void> {
  if (/<mj-include\b/i.test(source)) {
    throw new TemplateError('<mj-include> is not allowed: use {% render "name" %} to reuse another template of this workspace', 'syntax');
  }
  if (!/<mjml[\s>]/i.test(source)) throw new TemplateError('must be an MJML document: <mjml><mj-body>…</mj-body></mjml>', 'syntax');
  const { errors } = await compileMjml(source);
  if (errors.length) throw new TemplateError(errors[0], 'syntax');
}
