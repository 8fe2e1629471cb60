import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateTemplate } from './validate.ts';

const mjml = '<mjml><mj-body><mj-section><mj-column><mj-text>Hi {{ profile.traits.firstName | default: "there" }}</mj-text><mj-image src="{{ offer.image | default: \'https://shop.example/x.png\' }}" /></mj-column></mj-section></mj-body></mjml>';

async function invalid(input: unknown, field: string, message: RegExp, opts = {}) {
  await assert.rejects(validateTemplate(input, opts), (err: unknown) => {
    const e = err as { kind?: string; field?: string; message: string };
    assert.equal(e.kind, 'invalid', e.message);
    assert.equal(e.field, field, e.message);
    assert.match(e.message, message);
    return true;
  });
}

test('a valid template comes back as given', async () => {
  const t = { key: 'cart-reminder', channel: 'email', locale: 'fr-CA', subject: 'Bonjour {{ profile.traits.firstName }}', mjml };
  assert.deepEqual(await validateTemplate(t), t);
  assert.ok(await validateTemplate({ key: 's1', channel: 'sms', body: 'Hi {{ x | upcase }}' }));
  assert.ok(await validateTemplate({ key: 'p1', channel: 'push', title: 'Hi', url: 'https://x.example/{{ profile.id }}' }));
});

test('an unknown filter is an error naming the field', async () => {
  await invalid({ key: 'k', channel: 'email', subject: 'Hi {{ profile.traits.firstName | nope }}', mjml }, 'subject', /^subject: unknown filter "nope" \(line 1, col 4\)$/);
  await invalid({ key: 'k', channel: 'sms', body: '{{ a | upcase | shout }}' }, 'body', /unknown filter "shout"/);
});

test('Liquid syntax errors, unknown tags and bad filter arguments name the field', async () => {
  await invalid({ key: 'k', channel: 'sms', body: '{% if %}x{% endif %}' }, 'body', /^body: /);
  await invalid({ key: 'k', channel: 'sms', body: '{% for x in y %}' }, 'body', /for/);
  await invalid({ key: 'k', channel: 'sms', body: '{% shell "ls" %}' }, 'body', /tag "shell" not found/);
  await invalid({ key: 'k', channel: 'sms', body: '{{ "x" | append }}' }, 'body', /append/);
});

test('MJML is validated at save time, after Liquid, and errors name mjml', async () => {
  await invalid({ key: 'k', channel: 'email', subject: 's', mjml: '<mjml><mj-body><mj-column><mj-text>x</mj-text></mj-column></mj-body></mjml>' }, 'mjml', /^mjml: line 1: mj-column cannot be used inside mj-body/);
  await invalid({ key: 'k', channel: 'email', subject: 's', mjml: '<mjml><mj-body><mj-section><mj-column><mj-text colour="red">x</mj-text></mj-column></mj-section></mj-body></mjml>' }, 'mjml', /Attribute colour is illegal/);
  await invalid({ key: 'k', channel: 'email', subject: 's', mjml: '<p>just html</p>' }, 'mjml', /must be an MJML document/);
  await invalid({ key: 'k', channel: 'email', subject: 's', mjml: '<mjml><mj-body><mj-include path="/etc/passwd" /></mj-body></mjml>' }, 'mjml', /mj-include> is not allowed/);
  await invalid({ key: 'k', channel: 'email', subject: 's', mjml: '<mjml><mj-body>{{ x | nope }}</mj-body></mjml>' }, 'mjml', /unknown filter "nope"/);
});

test('partials must exist among the given workspace templates', async () => {
  const t = { key: 'k', channel: 'sms', body: "Hi {% render 'sig' %}" };
  await invalid(t, 'body', /template "sig" not found/);
  assert.ok(await validateTemplate(t, { partials: { sig: '-- Shop' } }));
});

test('shape rules per channel name the field', async () => {
  await invalid({ key: 'k', channel: 'email', mjml }, 'subject', /needs a subject/);
  await invalid({ key: 'k', channel: 'email', subject: 's' }, 'mjml', /needs mjml or html/);
  await invalid({ key: 'k', channel: 'email', subject: 's', mjml, html: '<p>x</p>' }, 'html', /not both/);
  await invalid({ key: 'k', channel: 'sms', mjml }, 'mjml', /only email/);
  await invalid({ key: 'k', channel: 'sms', title: 'x' }, 'body', /SMS needs a body/);
  await invalid({ key: 'k', channel: 'push', url: 'https://x' }, 'body', /title or a body/);
  await invalid({ key: 'bad key!', channel: 'sms', body: 'x' }, 'key', /letters, digits/);
  await invalid({ key: 'k', channel: 'SMS!', body: 'x' }, 'channel', /channel name/);
  await invalid({ key: 'k', channel: 'sms', locale: 'french', body: 'x' }, 'locale', /locale/);
  await invalid({ key: 'k', channel: 'sms', body: 42 }, 'body', /string/);
  await invalid({ key: 'k', channel: 'sms', body: 'x'.repeat(200_001) }, 'body', /at most 200000/);
});
