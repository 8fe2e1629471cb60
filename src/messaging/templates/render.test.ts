import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplate } from './render.ts';
import type { Template, TemplateContext } from './types.ts';

const ctx: TemplateContext = {
  profile: { id: 'prof_1', traits: { firstName: 'Ann', bio: '<script>alert(1)</script>', tags: ['a', 'b'] }, computed: { ltv: 420.5 } },
  event: { name: 'Cart Abandoned', properties: { total: 99 } },
};

const mjml = `<mjml>
  <mj-head><mj-preview>Secret preheader</mj-preview></mj-head>
  <mj-body><mj-section><mj-column>
    <mj-text>Hello {{ profile.traits.firstName }}, your total is {{ event.properties.total }}.</mj-text>
    <mj-text>About you: {{ profile.traits.bio }}</mj-text>
    <mj-button href="https://shop.example/cart?p={{ profile.id }}">See my cart</mj-button>
  </mj-column></mj-section></mj-body>
</mjml>`;

async function rejects(p: Promise<unknown>, field: string, reason: string, message?: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    const e = err as { kind?: string; field?: string; details?: { reason?: string }; message: string };
    assert.equal(e.kind, 'invalid');
    assert.equal(e.field, field);
    assert.equal(e.details?.reason, reason, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

test('missing values render empty, never "undefined"; default gives a fallback', async () => {
  const t: Template = {
    key: 'k', channel: 'sms',
    body: 'Hi {{ profile.traits.lastName }}|{{ event.properties.missing.deeper }}|{{ offer.code }}|{{ journey.name }}|{{ profile.traits.nick | default: "friend" }}|{{ profile.traits.firstName | default: "friend" }}',
  };
  const out = await renderTemplate(t, { profile: { id: 'p', traits: { firstName: 'Ann' }, computed: {} } });
  assert.equal(out.body, 'Hi ||||friend|Ann');
  assert.ok(!out.body!.includes('undefined'));
});

test('email: MJML becomes responsive HTML with the text, plus a text part derived from it', async () => {
  const out = await renderTemplate({ key: 'cart', channel: 'email', subject: '  Your cart,\n {{ profile.traits.firstName }} ', mjml }, ctx);
  assert.equal(out.subject, 'Your cart, Ann');
  assert.match(out.html!, /^<!doctype html>/i);
  assert.match(out.html!, /@media only screen/);
  assert.ok(out.html!.includes('Hello Ann, your total is 99.'));
  assert.ok(out.html!.includes('href="https://shop.example/cart?p=prof_1"'));
  assert.ok(out.text!.includes('Hello Ann, your total is 99.'));
  assert.ok(out.text!.includes('See my cart (https://shop.example/cart?p=prof_1)'));
  assert.ok(!out.text!.includes('Secret preheader'), 'hidden preheader is not in the text part');
  assert.ok(!/<[a-z]/i.test(out.text!.replace('<script>alert(1)</script>', '')), 'no markup in the text part');
});

test('HTML contexts escape trait values; text contexts do not; raw opts out', async () => {
  const email = await renderTemplate({ key: 'e', channel: 'email', subject: 'About {{ profile.traits.bio }}', mjml }, ctx);
  assert.ok(!email.html!.includes('<script>alert(1)</script>'));
  assert.ok(email.html!.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  // The text part and the subject are plain text: the customer sees the characters themselves.
  assert.ok(email.text!.includes('About you: <script>alert(1)</script>'));
  assert.equal(email.subject, 'About <script>alert(1)</script>');

  const html = await renderTemplate({ key: 'h', channel: 'email', subject: 's', html: '<p>{{ profile.traits.bio }}</p><p>{{ "<b>ok</b>" | raw }}</p>' }, ctx);
  assert.equal(html.html, '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><p><b>ok</b></p>');
  assert.equal(html.text, '&lt;script&gt;alert(1)&lt;/script&gt;\n\nok'.replace(/&lt;/g, '<').replace(/&gt;/g, '>'));

  const sms = await renderTemplate({ key: 's', channel: 'sms', body: '{{ profile.traits.bio }} & co' }, ctx);
  assert.equal(sms.body, '<script>alert(1)</script> & co');
});

test('push and sms content: title, body, url; text stands in for a missing SMS body', async () => {
  const push = await renderTemplate({ key: 'p', channel: 'push', title: 'Hi {{ profile.traits.firstName }}', body: 'LTV {{ profile.computed.ltv | round }}', url: ' https://shop.example/?u={{ profile.id }} ' }, ctx);
  assert.deepEqual(push, { title: 'Hi Ann', body: 'LTV 421', url: 'https://shop.example/?u=prof_1' });
  const sms = await renderTemplate({ key: 's', channel: 'sms', text: 'Tags: {{ profile.traits.tags | join: ", " }}' }, ctx);
  assert.equal(sms.body, 'Tags: a, b');
});

test('sandbox: include/render/layout never read the disk and fail cleanly', async () => {
  await rejects(renderTemplate({ key: 'x', channel: 'sms', body: "{% include 'etc/passwd' %}" }, ctx), 'body', 'missing_partial', /template "etc\/passwd" not found/);
  await rejects(renderTemplate({ key: 'x', channel: 'sms', body: "{% render '../../../../etc/passwd' %}" }, ctx), 'body', 'missing_partial');
  await rejects(renderTemplate({ key: 'x', channel: 'sms', body: "{% render '/etc/hostname' %}" }, ctx), 'body', 'missing_partial');
  await rejects(renderTemplate({ key: 'x', channel: 'email', subject: 's', html: "{% layout 'package.json' %}x" }, ctx), 'html', 'missing_partial');
  // Dynamic names come from data, and still only from the in-memory partials.
  await rejects(renderTemplate({ key: 'x', channel: 'sms', body: '{% include profile.traits.path %}' }, { ...ctx, profile: { ...ctx.profile, traits: { path: 'package.json' } } }), 'body', 'missing_partial');
});

test('sandbox: partials of the same workspace render from memory, escaped like their host', async () => {
  const partials = { footer: '<p>Bye {{ profile.traits.bio }}</p>', sig: '-- {{ shop | default: "Shop" }}' };
  const out = await renderTemplate({ key: 'x', channel: 'email', subject: 's', html: "<div>{% render 'footer', profile: profile %}</div>" }, ctx, { partials });
  assert.equal(out.html, '<div><p>Bye &lt;script&gt;alert(1)&lt;/script&gt;</p></div>');
  const sms = await renderTemplate({ key: 'y', channel: 'sms', body: "Hi {% include 'sig' %}" }, ctx, { partials });
  assert.equal(sms.body, 'Hi -- Shop');
  // A partial including itself is stopped, not a crash.
  await assert.rejects(renderTemplate({ key: 'z', channel: 'sms', body: "{% include 'loop' %}" }, ctx, { partials: { loop: "a{% include 'loop' %}" }, limits: { renderLimitMs: 200 } }),
    /body: (recursion too deep|took longer than 200 ms)/);
});

test('sandbox: a huge loop hits the render time limit, a huge range the memory limit', async () => {
  const loops = '{% for a in (1..1000) %}{% for b in (1..1000) %}{% for c in (1..1000) %}x{% endfor %}{% endfor %}{% endfor %}';
  const started = Date.now();
  await rejects(renderTemplate({ key: 'x', channel: 'sms', body: loops }, ctx, { limits: { renderLimitMs: 100 } }), 'body', 'time_limit', /^body: took longer than 100 ms to render/);
  assert.ok(Date.now() - started < 2000);
  await rejects(renderTemplate({ key: 'x', channel: 'sms', body: '{% for i in (1..100000000) %}x{% endfor %}' }, ctx), 'body', 'memory_limit');
  await rejects(renderTemplate({ key: 'x', channel: 'sms', body: '{% assign s = "ab" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s }}' }, ctx), 'body', 'memory_limit');
});

test('sandbox: output size is capped and prototypes are invisible', async () => {
  const big = { ...ctx, profile: { ...ctx.profile, traits: { s: 'y'.repeat(10_000) } } };
  await rejects(renderTemplate({ key: 'x', channel: 'sms', body: '{% for i in (1..200) %}{{ profile.traits.s }}{% endfor %}' }, big, { limits: { maxOutputChars: 100_000 } }), 'body', 'output_limit');
  await rejects(renderTemplate({ key: 'x', channel: 'sms', body: '{% for i in (1..2000) %}{{ profile.traits.s }}{% endfor %}' }, big), 'body', 'memory_limit');
  const proto = await renderTemplate({ key: 'x', channel: 'sms', body: '[{{ profile.traits.constructor }}][{{ profile.traits.__proto__ }}][{{ profile.traits.tags.constructor.name }}]' }, ctx);
  assert.equal(proto.body, '[][][]');
});

test('dates render in UTC', async () => {
  const out = await renderTemplate({ key: 'd', channel: 'sms', body: '{{ event.at | date: "%Y-%m-%d %H:%M" }}' }, { ...ctx, event: { at: '2026-03-01T23:30:00Z' } });
  assert.equal(out.body, '2026-03-01 23:30');
});
