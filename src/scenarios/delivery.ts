import { createHash, createHmac } from 'node:crypto';
import type { TestOmnis } from '../testing/index.ts';
/* eslint-disable no-restricted-imports -- local servers speaking each provider's wire format: test harnesses of the messaging module, not its public face */
import { startFakeSmtp, type FakeSmtp } from '../messaging/providers/testing/fakeSmtp.ts';
import { startLobFake, type LobFake } from '../messaging/providers/testing/lob-server.ts';
import { startMessengerFake, type MessengerFake } from '../messaging/providers/testing/messenger-server.ts';
import { startFacebookAudiencesFake, type FacebookAudiencesFake } from '../messaging/providers/testing/facebook-audiences-server.ts';
import { startGoogleAdsFake, type GoogleAdsFake } from '../messaging/providers/testing/google-customer-match-server.ts';
import { startPinterestAudiencesFake, type PinterestAudiencesFake } from '../messaging/providers/testing/pinterest-audiences-server.ts';
/* eslint-enable no-restricted-imports */
import { play, SHOWROOM_ADDRESS, type Source, type Step } from './mattress.ts';

/**
 * Scenario 1 delivered through real providers: each channel configured through the API with
 * a provider pointed at a local server on 127.0.0.1 that speaks that provider's wire format
 * (a real SMTP server, the Lob, Messenger Send API, Custom Audiences, Customer Match and
 * Pinterest customer list APIs), and what each server received, read back for assertions.
 */
export const CREDENTIALS = {
  smtp: { user: 'nightjar', pass: 'smtp-pass-for-tests' },
  lob: { apiKey: 'test_lob_key_0123456789', webhookSecret: 'lob-webhook-secret-for-tests' },
  messenger: { pageAccessToken: 'EAAG-page-token', appSecret: 'messenger-app-secret-for-tests', verifyToken: 'nightjar-verify' },
  facebook: { accessToken: 'EAAB-system-user', adAccountId: '1234567890' },
  google: { customerId: '1234567890', developerToken: 'dev-token', accessToken: 'ya29.test' },
  pinterest: { accessToken: 'pina_test', adAccountId: '549755885175' },
};

export interface LocalProviders {
  smtp: FakeSmtp; lob: LobFake; messenger: MessengerFake; facebook: FacebookAudiencesFake; google: GoogleAdsFake; pinterest: PinterestAudiencesFake;
  close(): Promise<void>;
}

export async function startProviders(): Promise<LocalProviders> {
  const c = CREDENTIALS;
  const p = {
    smtp: await startFakeSmtp({ auth: c.smtp }),
    lob: await startLobFake({ apiKey: c.lob.apiKey }),
    messenger: await startMessengerFake({ pageAccessToken: c.messenger.pageAccessToken, appSecret: c.messenger.appSecret }),
    facebook: await startFacebookAudiencesFake(c.facebook),
    google: await startGoogleAdsFake(c.google),
    pinterest: await startPinterestAudiencesFake(c.pinterest),
  };
  return { ...p, close: async () => { await Promise.all(Object.values(p).map(s => s.close())); } };
}

/** PUT /api/v1/channels/{channel} for every channel scenario 1 uses, as a workspace admin would. */
export async function configureChannels(t: TestOmnis, p: LocalProviders): Promise<void> {
  const c = CREDENTIALS;
  const { line1, city, state, postalCode } = SHOWROOM_ADDRESS;
  const channels: Record<string, { provider: string; settings: Record<string, unknown> }> = {
    email: { provider: 'smtp', settings: { host: '127.0.0.1', port: p.smtp.port, secure: false, ...c.smtp, from: 'Nightjar <hello@nightjar.example>', timeoutMs: 5000 } },
    direct_mail: {
      provider: 'lob', settings: {
        baseUrl: p.lob.url, ...c.lob,
        from: { name: 'Nightjar Showroom', address_line1: line1, address_city: city, address_state: state, address_zip: postalCode, address_country: 'US' },
      },
    },
    messenger: { provider: 'messenger', settings: { baseUrl: p.messenger.url, ...c.messenger } },
    ads_facebook: { provider: 'facebook-audiences', settings: { baseUrl: p.facebook.url, ...c.facebook } },
    ads_google: { provider: 'google-customer-match', settings: { baseUrl: p.google.url, ...c.google } },
    ads_pinterest: { provider: 'pinterest-audiences', settings: { baseUrl: p.pinterest.url, ...c.pinterest } },
  };
  for (const [channel, body] of Object.entries(channels)) {
    const r = await t.admin('PUT', `/api/v1/channels/${channel}`, body);
    if (r.status !== 200) throw new Error(`channel ${channel}: ${JSON.stringify(r.json)}`);
  }
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** How many requests each local server had received, taken after a story step. */
export interface Mark { at: number; counts: Record<keyof Omit<LocalProviders, 'close'>, number> }

/**
 * Plays the story like `play`, syncing ad audiences after every step and noting what each
 * server had received by then (so a request can be placed between two steps), and runs
 * `actions` (engagement) at their times between the steps.
 */
export async function playThrough(t: TestOmnis, p: LocalProviders, keys: Record<Source, string>, steps: Step[], start: number, end: number,
  actions: { at: number; run: () => Promise<void> }[] = []): Promise<Mark[]> {
  const marks: Mark[] = [];
  const mark = async (at: number) => {
    await t.omnis.delivery.audienceSync.runOnce();
    marks.push({
      at, counts: {
        smtp: p.smtp.mails.length, lob: p.lob.pieces.length, messenger: p.messenger.sent.length,
        facebook: p.facebook.srv.requests.length, google: p.google.srv.requests.length, pinterest: p.pinterest.srv.requests.length,
      },
    });
  };
  let done = 0;
  for (const a of [...actions].sort((x, y) => x.at - y.at)) {
    const before = steps.filter(s => s.at < a.at).slice(done);
    done += before.length;
    await play(t, keys, before, start, a.at, s => mark(s.at));
    await a.run();
    await t.omnis.settle();
    await mark(a.at);
  }
  await play(t, keys, steps.slice(done), start, end, s => mark(s.at));
  await mark(end);
  return marks;
}

/** The time of the first mark by which `server` had received request number `index`. */
export function receivedBy(marks: Mark[], server: keyof Mark['counts'], index: number): number {
  const m = marks.find(x => x.counts[server] > index);
  if (!m) throw new Error(`${server} request ${index} arrived after the last mark`);
  return m.at;
}

/** An audience change as an ad platform received it: the emails are the hashes it was sent. */
export interface AudienceOp { platform: 'facebook' | 'google' | 'pinterest'; index: number; audience: string; op: 'add' | 'remove'; emails: string[] }

export function audienceOps(p: LocalProviders): AudienceOp[] {
  const out: AudienceOp[] = [];
  p.facebook.srv.requests.forEach((r, index) => {
    const m = /^\/v[\d.]+\/(\d+)\/users$/.exec(r.path);
    if (!m) return;
    const { payload } = r.json<{ payload: { schema: string[]; data: string[][] } }>();
    const col = payload.schema.indexOf('EMAIL');
    out.push({ platform: 'facebook', index, audience: p.facebook.audiences.get(m[1])!.name, op: r.method === 'POST' ? 'add' : 'remove', emails: payload.data.map(row => row[col]).filter(Boolean) });
  });
  p.google.srv.requests.forEach((r, index) => {
    const m = /offlineUserDataJobs\/(\d+):addOperations$/.exec(r.path);
    if (!m) return;
    const list = p.google.lists.get(p.google.jobs.get(m[1])!.userList)!;
    const ops = r.json<{ operations: { create?: { userIdentifiers: { hashedEmail?: string }[] }; remove?: { userIdentifiers: { hashedEmail?: string }[] } }[] }>().operations;
    for (const o of ops) {
      out.push({ platform: 'google', index, audience: list.name, op: o.create ? 'add' : 'remove', emails: (o.create ?? o.remove)!.userIdentifiers.map(i => i.hashedEmail!).filter(Boolean) });
    }
  });
  const names = new Map([...p.pinterest.lists.values()].map(l => [l.id, l.name]));
  p.pinterest.srv.requests.forEach((r, index) => {
    const m = /\/customer_lists(?:\/(\d+))?$/.exec(r.path);
    if (!m || r.method === 'GET') return;
    const b = r.json<{ name?: string; records: string; operation_type?: string }>();
    out.push({ platform: 'pinterest', index, audience: m[1] ? names.get(m[1])! : b.name!, op: b.operation_type === 'REMOVE' ? 'remove' : 'add', emails: b.records.split(',') });
  });
  return out;
}

/** A received email: unfolded headers (lower-case names) and the decoded text and HTML parts. */
export interface ReadMail { headers: Record<string, string>; html: string; text: string }

export function readMime(raw: string): ReadMail {
  const split = (part: string) => {
    const at = part.indexOf('\r\n\r\n');
    const head = part.slice(0, at).replace(/\r\n[ \t]+/g, ' ');
    const headers: Record<string, string> = {};
    for (const line of head.split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).toLowerCase()] ??= decodeWords(line.slice(i + 1).trim());
    }
    return { headers, body: part.slice(at + 4) };
  };
  const decode = (body: string, encoding = '') => {
    if (/quoted-printable/i.test(encoding)) {
      const s = body.replace(/=\r\n/g, '');
      const bytes: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (s[i] === '=' && /^[0-9A-F]{2}$/i.test(s.slice(i + 1, i + 3))) { bytes.push(parseInt(s.slice(i + 1, i + 3), 16)); i += 2; } else bytes.push(...Buffer.from(s[i], 'utf8'));
      }
      return Buffer.from(bytes).toString('utf8');
    }
    return /base64/i.test(encoding) ? Buffer.from(body, 'base64').toString('utf8') : body;
  };
  const top = split(raw);
  const out: ReadMail = { headers: top.headers, html: '', text: '' };
  const boundary = /boundary="?([^";]+)"?/.exec(top.headers['content-type'] ?? '')?.[1];
  const parts = boundary ? top.body.split(`--${boundary}`).slice(1, -1).map(s => split(s.replace(/^\r\n/, ''))) : [top];
  for (const part of parts) {
    const type = part.headers['content-type'] ?? 'text/plain';
    const text = decode(part.body, part.headers['content-transfer-encoding']);
    if (type.startsWith('text/html')) out.html = text; else if (type.startsWith('text/plain')) out.text = text;
  }
  return out;
}

/** RFC 2047 encoded words, as nodemailer writes non-ASCII subjects. */
function decodeWords(v: string): string {
  return v.replace(/=\?utf-8\?([QB])\?([^?]*)\?=\s*/gi, (_m, kind: string, s: string) => (kind.toUpperCase() === 'B'
    ? Buffer.from(s, 'base64').toString('utf8')
    : decodeURIComponent(s.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, '%$1'))));
}

/** A Meta webhook as Meta signs it: X-Hub-Signature-256 = "sha256=" + HMAC-SHA256(app secret, raw body). */
export async function postMetaWebhook(t: TestOmnis, payload: object, appSecret: string) {
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
  return t.app.inject({ method: 'POST', url: '/webhooks/messenger/default', payload: body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } });
}

/** A Lob webhook as Lob signs it: Lob-Signature = hex HMAC-SHA256(secret, "<timestamp>.<raw body>"). */
export async function postLobWebhook(t: TestOmnis, payload: object, secret: string, timestamp = String(t.clock.now())) {
  const body = JSON.stringify(payload);
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return t.app.inject({
    method: 'POST', url: '/webhooks/lob/default', payload: body,
    headers: { 'content-type': 'application/json', 'lob-signature': signature, 'lob-signature-timestamp': timestamp },
  });
}

/** GET a tracking URL found in an email, as the person's mail client or browser would. */
export async function follow(t: TestOmnis, url: string) {
  const u = new URL(url);
  return t.app.inject({ method: 'GET', url: u.pathname + u.search });
}
