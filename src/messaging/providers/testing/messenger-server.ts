/**
 * A fake Messenger Send API on loopback, speaking Graph's wire format: it checks the page
 * token and appsecret_proof, validates the body as Meta does, answers `{recipient_id,
 * message_id}` or a Graph error object. `graphErrorReply` builds Graph errors for the
 * WhatsApp and Custom Audiences fakes too.
 */
import { createHmac } from 'node:crypto';
import { startFakeHttp, type FakeHttpServer, type RecordedRequest, type ScriptedResponse } from './fakeHttp.ts';

export function graphErrorReply(code: number, message: string, opts: { status?: number; subcode?: number; type?: string; transient?: boolean; headers?: Record<string, string> } = {}): ScriptedResponse {
  return {
    status: opts.status ?? 400,
    headers: opts.headers,
    body: {
      error: {
        message, type: opts.type ?? (code === 190 ? 'OAuthException' : 'GraphMethodException'), code,
        ...(opts.subcode !== undefined ? { error_subcode: opts.subcode } : {}),
        ...(opts.transient !== undefined ? { is_transient: opts.transient } : {}),
        fbtrace_id: 'AbCdEfGh123',
      },
    },
  };
}

/** Checks access_token and appsecret_proof the way Graph does; returns the error reply or undefined. */
export function checkGraphAuth(req: RecordedRequest, token: string, appSecret?: string, fromHeader = false): ScriptedResponse | undefined {
  const q = new URL(req.url, 'http://x').searchParams;
  const given = fromHeader ? String(req.headers.authorization ?? '').replace(/^Bearer /, '') : q.get('access_token');
  if (given !== token) return graphErrorReply(190, 'Invalid OAuth access token - Cannot parse access token', { status: 401 });
  if (appSecret) {
    const proof = createHmac('sha256', appSecret).update(token).digest('hex');
    if (q.get('appsecret_proof') !== proof) return graphErrorReply(100, 'Invalid appsecret_proof provided in the API argument');
  }
  return undefined;
}

export interface SentMessengerMessage { psid: string; messagingType: string; tag?: string; text: string }

export interface MessengerFake {
  url: string;
  srv: FakeHttpServer;
  sent: SentMessengerMessage[];
  close(): Promise<void>;
}

const TYPES = new Set(['RESPONSE', 'UPDATE', 'MESSAGE_TAG']);

export async function startMessengerFake(opts: { pageAccessToken: string; appSecret?: string }): Promise<MessengerFake> {
  const sent: SentMessengerMessage[] = [];
  let n = 0;
  const srv = await startFakeHttp(req => {
    if (req.method !== 'POST' || !/^\/v\d+\.\d+\/me\/messages$/.test(req.path)) {
      return graphErrorReply(100, 'Unsupported post request.', { status: 404 });
    }
    const auth = checkGraphAuth(req, opts.pageAccessToken, opts.appSecret);
    if (auth) return auth;
    const body = req.json<{ recipient?: { id?: string }; messaging_type?: string; tag?: string; message?: { text?: string } }>();
    if (!body.recipient?.id) return graphErrorReply(100, '(#100) The parameter recipient is required');
    if (!body.messaging_type || !TYPES.has(body.messaging_type)) return graphErrorReply(100, '(#100) Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}');
    if (body.messaging_type === 'MESSAGE_TAG' && !body.tag) return graphErrorReply(100, '(#100) Tag is required for MESSAGE_TAG messaging type');
    if (!body.message?.text) return graphErrorReply(100, '(#100) Must send either message or sender action');
    if (body.recipient.id === 'unavailable') return graphErrorReply(551, "This person isn't available right now.", { subcode: 1545041 });
    sent.push({ psid: body.recipient.id, messagingType: body.messaging_type, tag: body.tag, text: body.message.text });
    return { status: 200, body: { recipient_id: body.recipient.id, message_id: `m_fake${++n}` } };
  });
  return { url: srv.url, srv, sent, close: () => srv.close() };
}
