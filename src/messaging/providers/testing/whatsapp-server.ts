/**
 * A fake WhatsApp Cloud API on loopback: `POST /{version}/{phoneNumberId}/messages` with a
 * Bearer token, validated like Meta does, answering `{messaging_product, contacts,
 * messages: [{id: "wamid..."}]}` or a Graph error object.
 */
import { startFakeHttp, type FakeHttpServer } from './fakeHttp.ts';
import { checkGraphAuth, graphErrorReply } from './messenger-server.ts';

interface CloudMessage {
  messaging_product?: string; to?: string; type?: string;
  text?: { body?: string };
  template?: { name?: string; language?: { code?: string }; components?: unknown[] };
}

export interface WhatsappFake { url: string; srv: FakeHttpServer; sent: CloudMessage[]; close(): Promise<void> }

export async function startWhatsappFake(opts: { accessToken: string; phoneNumberId: string; appSecret?: string }): Promise<WhatsappFake> {
  const sent: CloudMessage[] = [];
  let n = 0;
  const srv = await startFakeHttp(req => {
    const m = /^\/v\d+\.\d+\/(\d+)\/messages$/.exec(req.path);
    if (req.method !== 'POST' || !m) return graphErrorReply(100, 'Unsupported post request.', { status: 404 });
    const auth = checkGraphAuth(req, opts.accessToken, opts.appSecret, true);
    if (auth) return auth;
    if (m[1] !== opts.phoneNumberId) return graphErrorReply(100, `Unsupported post request. Object with ID '${m[1]}' does not exist`);
    const body = req.json<CloudMessage>();
    if (body.messaging_product !== 'whatsapp') return graphErrorReply(100, '(#100) The parameter messaging_product is required.');
    if (!body.to || !/^\d+$/.test(body.to)) return graphErrorReply(100, '(#100) Invalid parameter: to');
    if (body.type === 'text' && !body.text?.body) return graphErrorReply(100, '(#100) The parameter text[\'body\'] is required.');
    if (body.type === 'template' && (!body.template?.name || !body.template.language?.code)) {
      return graphErrorReply(132000, 'Number of parameters does not match the expected number of params');
    }
    if (body.type !== 'text' && body.type !== 'template') return graphErrorReply(131051, 'Unsupported message type');
    sent.push(body);
    return { status: 200, body: { messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: body.to }], messages: [{ id: `wamid.FAKE${++n}` }] } };
  });
  return { url: srv.url, srv, sent, close: () => srv.close() };
}
