import { randomBytes } from 'node:crypto';
import { migrate, type Db } from '../src/store/index.ts';
import { systemClock, type ConsentEntry } from '../src/shared/index.ts';
import { createMessaging, benchRender, renderTemplate, type MessagingProfile, type Template, type OutboundMessage } from '../src/messaging/index.ts';
import { smtpProvider } from '../src/messaging/providers/smtp.ts';
import { twilioProvider } from '../src/messaging/providers/twilio.ts';
import { startFakeSmtp } from '../src/messaging/providers/testing/fakeSmtp.ts';
import { startFakeHttp } from '../src/messaging/providers/testing/fakeHttp.ts';
import { eachStore } from './stores.ts';
import { envCount } from './env.ts';

/**
 * Issue 5's figures, per storage driver: messages dispatched per second through the outbox
 * (claim, send-time consent and policy check, render, provider call, status history) over
 * SMTP to a real SMTP server on loopback, and over an HTTP provider (Twilio's Messages API
 * format, answered by a local server). Each against a baseline in the same run: the same
 * provider code sending the same rendered messages straight, at the same concurrency, with
 * no outbox. And the rendering cost per message.
 */
const N = envCount('BENCH_MESSAGES', 2000);
const CONCURRENCY = 8;
const WS = 'bench';
const SID = `AC${'b'.repeat(32)}`;
const granted: ConsentEntry = { status: 'granted', at: 0, source: 'bench' };

const TEMPLATES: Template[] = [
  { key: 'cart', channel: 'email', subject: '{{ profile.traits.firstName }}, your cart', mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>Hello {{ profile.traits.firstName }}, use {{ offer.code }}.</mj-text><mj-button href="https://shop.example/cart">Back to my cart</mj-button></mj-column></mj-section></mj-body></mjml>' },
  { key: 'cart', channel: 'sms', body: 'Hi {{ profile.traits.firstName }}, your cart is waiting: {{ offer.code }}' },
];
const profileOf = (id: string): MessagingProfile => ({
  traits: { firstName: `Ann ${id}` }, computed: {}, consent: { email: granted, sms: granted }, timezone: 'UTC', locale: 'en',
  channels: { email: { address: `${id}@example.com`, reachable: true }, sms: { phone: `+1555${id.replace(/\D/g, '').padStart(7, '0').slice(-7)}`, reachable: true } },
});

/** Runs `n` sends of `send`, `CONCURRENCY` at a time; returns per second. */
async function straight(n: number, send: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => { for (let i = next++; i < n; i = next++) await send(i); }));
  return n / ((performance.now() - t0) / 1000);
}

async function one(name: string, open: () => Promise<{ db: Db; cleanup: () => Promise<void> }>, report: (l: string) => void): Promise<void> {
  const { db, cleanup } = await open();
  const smtp = await startFakeSmtp();
  const twilio = await startFakeHttp(req => ({ status: 201, body: { sid: `SM${randomBytes(8).toString('hex')}`, status: 'queued', to: req.form().get('To') } }));
  const messaging = createMessaging({
    db, clock: systemClock, secretKey: 'bench-secret-0123456789abcdef',
    loadTemplate: async (_ws, key, channel) => TEMPLATES.find(t => t.key === key && t.channel === channel) ?? null,
    loadProfiles: async (_ws, ids) => new Map(ids.map(id => [id, profileOf(id)])),
    dispatcher: { concurrency: CONCURRENCY },
    onError: e => console.error(e),
  });
  try {
    await migrate(db);
    const smtpSettings = { host: '127.0.0.1', port: smtp.port, secure: false, from: 'shop@example.com', maxConnections: CONCURRENCY };
    const twilioSettings = { accountSid: SID, authToken: 'secret', from: '+15550001111', baseUrl: twilio.url };
    await messaging.channels.put(WS, 'email', { provider: 'smtp', settings: smtpSettings });
    await messaging.channels.put(WS, 'sms', { provider: 'twilio', settings: twilioSettings });

    for (const channel of ['email', 'sms'] as const) {
      const tag = `${channel}-${randomBytes(3).toString('hex')}`;
      // Baseline: the provider alone, sending the same rendered message N times.
      const template = TEMPLATES.find(t => t.channel === channel)!;
      const content = await renderTemplate(template, { profile: { id: 'p', traits: { firstName: 'Ann' }, computed: {} }, offer: { code: 'X' } });
      const provider = channel === 'email'
        ? smtpProvider.create(smtpProvider.settings.parse(smtpSettings), {})
        : twilioProvider.create(twilioProvider.settings.parse(twilioSettings), {});
      const to = channel === 'email' ? { email: 'base@example.com' } : { phone: '+15550009999' };
      const base = await straight(N, i => (provider as { send(m: OutboundMessage): Promise<unknown> }).send({ id: `b${i}`, idempotencyKey: `b${i}`, channel, to, content }));
      await (provider as { close?: () => Promise<void> }).close?.();

      for (let i = 0; i < N; i++) await messaging.enqueue(db, { workspaceId: WS, profileId: `${tag}-${i}`, channel, templateKey: 'cart', idempotencyKey: `${tag}-${i}`, context: { offer: { code: 'COMEBACK10' } } });
      const t0 = performance.now();
      let sent = 0;
      while (sent < N) {
        const claimed = await messaging.dispatcher.runOnce();
        if (!claimed) break;
        sent += claimed;
      }
      const rate = N / ((performance.now() - t0) / 1000);
      const [{ n }] = await db.query<{ n: number }>(`select count(*)::int as n from messages where status = 'sent' and idempotency_key like $1`, [`${tag}-%`]);
      const via = channel === 'email' ? 'SMTP (real SMTP server on loopback)' : 'Twilio Messages API (local server)';
      report(`dispatch [${name}] ${channel} via ${via}: ${Math.round(rate).toLocaleString('en')} messages/s through the outbox = ${(rate / base).toFixed(2)}× the provider alone (${Math.round(base).toLocaleString('en')}/s); ${n} of ${N} sent`);
    }
    const mjml = await benchRender(300);
    const textT0 = performance.now();
    for (let i = 0; i < 3000; i++) await renderTemplate(TEMPLATES[1], { profile: { id: 'p', traits: { firstName: `Ann ${i}` }, computed: {} }, offer: { code: 'X' } });
    const text = (performance.now() - textT0) / 3000;
    if (name === 'postgres') report(`render: MJML email with Liquid (loop, filters, text part) ${mjml.toFixed(2)} ms per message = ${(mjml / text).toFixed(0)}× a Liquid SMS body (${(text * 1000).toFixed(0)} µs)`);
  } finally {
    await messaging.stop();
    await smtp.close();
    await twilio.close();
    await cleanup();
  }
}

export default async function bench(report: (line: string) => void) {
  await eachStore('dispatch', one, report);
}
