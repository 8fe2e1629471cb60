import type { Variant } from './fields.ts';

interface Props { value: Variant; onChange: (v: Variant) => void; errorField: string | null; readOnly: boolean }

/** The fields a channel takes: email has a subject and MJML or HTML (plus text); push a title; the rest a body. */
export function VariantFields({ value: v, onChange, errorField, readOnly }: Props) {
  const field = (name: keyof Variant, label: string, opts: { rows?: number; placeholder?: string } = {}) => (
    <label className={errorField === name ? 'bad' : ''}>
      {label}
      {opts.rows
        ? <textarea aria-label={label} rows={opts.rows} value={(v[name] as string) ?? ''} readOnly={readOnly} placeholder={opts.placeholder} spellCheck={false}
          onChange={e => onChange({ ...v, [name]: e.target.value })} />
        : <input aria-label={label} value={(v[name] as string) ?? ''} readOnly={readOnly} placeholder={opts.placeholder} onChange={e => onChange({ ...v, [name]: e.target.value })} />}
    </label>
  );
  if (v.channel === 'email') {
    const format = v.mjml !== undefined ? 'mjml' : 'html';
    const switchTo = (f: 'mjml' | 'html') => {
      if (f === format) return;
      const src = (format === 'mjml' ? v.mjml : v.html) ?? '';
      const next: Variant = { ...v, mjml: undefined, html: undefined };
      next[f] = src;
      onChange(next);
    };
    return (
      <>
        {field('subject', 'Subject')}
        <div className="row" role="radiogroup" aria-label="Format">
          <label className="inline"><input type="radio" name="format" checked={format === 'mjml'} disabled={readOnly} onChange={() => switchTo('mjml')} /> MJML</label>
          <label className="inline"><input type="radio" name="format" checked={format === 'html'} disabled={readOnly} onChange={() => switchTo('html')} /> HTML</label>
        </div>
        {field(format, format === 'mjml' ? 'MJML' : 'HTML', { rows: 16 })}
        {field('text', 'Plain text (optional: derived from the HTML when empty)', { rows: 4 })}
      </>
    );
  }
  return (
    <>
      {v.channel === 'push' && field('title', 'Title')}
      {field('body', 'Body', { rows: 6, placeholder: 'Hi {{ profile.traits.first_name }}, …' })}
      {(v.channel === 'push' || v.channel === 'in_app') && field('url', 'Link (optional)')}
    </>
  );
}
