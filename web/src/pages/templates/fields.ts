export interface Variant {
  key?: string; channel: string; locale?: string;
  subject?: string; mjml?: string; html?: string; text?: string; body?: string; title?: string; url?: string;
}

export const CHANNELS = ['email', 'sms', 'push', 'messenger', 'whatsapp', 'in_app', 'direct_mail'];

export const blank = (channel: string): Variant => channel === 'email'
  ? { channel, subject: 'Hello {{ profile.traits.first_name }}', mjml: MJML }
  : channel === 'push' ? { channel, title: 'Hi {{ profile.traits.first_name }}', body: '' } : { channel, body: '' };

/** What the API takes: only the fields of this channel, empty ones left out. */
export function payload(v: Variant): Variant {
  const keep: (keyof Variant)[] = v.channel === 'email' ? ['subject', v.mjml !== undefined ? 'mjml' : 'html', 'text'] : v.channel === 'push' ? ['title', 'body', 'url'] : ['body', 'url'];
  const out: Variant = { channel: v.channel, ...(v.locale?.trim() ? { locale: v.locale.trim() } : {}) };
  for (const f of keep) if (typeof v[f] === 'string' && (v[f] as string).length) (out as unknown as Record<string, string>)[f] = v[f] as string;
  return out;
}

/** The field an API message names ("subject: unknown filter …"), to mark it on the form. */
export const fieldOf = (message: string): string | null => /^([a-z]+)(\.[\w.]+)?: /.exec(message)?.[1] ?? null;

const MJML = `<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text font-size="20px">Hi {{ profile.traits.first_name | default: "there" }},</mj-text>
        <mj-text>Thanks for shopping with us.</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;
