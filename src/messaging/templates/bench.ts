/**
 * `benchRender(n)`: milliseconds per render of a typical MJML email (Liquid over traits, a loop
 * over cart items, MJML to HTML, the derived text part), averaged over n renders after a warm-up;
 * `npm run bench dispatch` reports it.
 */
import { renderTemplate } from './render.ts';
import type { Template, TemplateContext } from './types.ts';

export const BENCH_TEMPLATE: Template = {
  key: 'bench-cart', channel: 'email',
  subject: '{{ profile.traits.firstName | default: "Hi" }}, your cart is waiting',
  mjml: `<mjml>
  <mj-head><mj-preview>{{ profile.traits.cart.size }} items saved for you</mj-preview></mj-head>
  <mj-body>
    <mj-section><mj-column>
      <mj-text font-size="20px">Hello {{ profile.traits.firstName | default: "there" }},</mj-text>
      <mj-text>You left these in your cart:</mj-text>
      {% for item in profile.traits.cart %}
      <mj-text>{{ item.name }}: {{ item.price | times: 1.0 | round: 2 }} {{ item.currency | upcase }}</mj-text>
      {% endfor %}
      {% if offer.code %}<mj-text>Use {{ offer.code }} for {{ offer.percent }}% off.</mj-text>{% endif %}
      <mj-button href="https://shop.example/cart?u={{ profile.id | url_encode }}">Back to my cart</mj-button>
    </mj-column></mj-section>
  </mj-body>
</mjml>`,
};

export const BENCH_CONTEXT: TemplateContext = {
  profile: {
    id: 'prof_123',
    traits: {
      firstName: 'Ann <b>',
      cart: [
        { name: 'Linen shirt', price: 49.5, currency: 'eur' },
        { name: 'Canvas sneakers', price: 79, currency: 'eur' },
        { name: 'Wool socks', price: 12.25, currency: 'eur' },
      ],
    },
    computed: { ltv: 420 },
  },
  offer: { code: 'COMEBACK10', percent: 10 },
};

export async function benchRender(n: number): Promise<number> {
  for (let i = 0; i < Math.min(20, n); i++) await renderTemplate(BENCH_TEMPLATE, BENCH_CONTEXT);
  const started = performance.now();
  for (let i = 0; i < n; i++) await renderTemplate(BENCH_TEMPLATE, BENCH_CONTEXT);
  return (performance.now() - started) / n;
}
