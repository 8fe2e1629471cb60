/**
 * A fake Lob Print & Mail API on loopback: Basic auth with the API key, `POST /v1/letters`
 * and `/v1/postcards` validated like Lob does (422 `{error: {message, status_code, code}}`),
 * and `Idempotency-Key` honoured: a repeated key answers the first piece, creating nothing.
 */
import { randomBytes } from 'node:crypto';
import { startFakeHttp, type FakeHttpServer, type ScriptedResponse } from './fakeHttp.ts';

export function lobErrorReply(status: number, message: string, code: string): ScriptedResponse {
  return { status, body: { error: { message, status_code: status, code } } };
}

type Piece = Record<string, unknown> & { id: string; object: 'letter' | 'postcard' };

export interface LobFake { url: string; srv: FakeHttpServer; pieces: Piece[]; close(): Promise<void> }

export async function startLobFake(opts: { apiKey: string }): Promise<LobFake> {
  const pieces: Piece[] = [];
  const byKey = new Map<string, Piece>();
  const srv = await startFakeHttp(req => {
    const expected = `Basic ${Buffer.from(`${opts.apiKey}:`).toString('base64')}`;
    if (req.headers.authorization !== expected) return lobErrorReply(401, 'Your API key is not valid. Please sign up on lob.com to get a valid api key.', 'unauthorized');
    const kind = req.method === 'POST' && req.path === '/v1/letters' ? 'letter' : req.method === 'POST' && req.path === '/v1/postcards' ? 'postcard' : undefined;
    if (!kind) return lobErrorReply(404, 'The requested resource does not exist.', 'not_found');
    const key = req.headers['idempotency-key'];
    if (typeof key === 'string' && byKey.has(key)) return { status: 200, body: byKey.get(key) };
    const b = req.json<Record<string, unknown>>();
    const to = b.to as Record<string, unknown> | undefined;
    if (!to || typeof to !== 'object') return lobErrorReply(422, 'to is required', 'invalid');
    if (!to.name && !to.company) return lobErrorReply(422, 'to.name or to.company is required', 'invalid');
    if (!to.address_line1) return lobErrorReply(422, 'to.address_line1 is required', 'invalid');
    if (b.use_type !== 'marketing' && b.use_type !== 'operational') return lobErrorReply(422, 'use_type is required', 'invalid');
    if (kind === 'letter') {
      if (!b.from) return lobErrorReply(422, 'from is required', 'invalid');
      if (!b.file) return lobErrorReply(422, 'file is required', 'invalid');
      if (typeof b.color !== 'boolean') return lobErrorReply(422, 'color is required', 'invalid');
    } else if (!b.front || !b.back) {
      return lobErrorReply(422, 'front and back are required', 'invalid');
    }
    const piece: Piece = { ...b, id: `${kind === 'letter' ? 'ltr' : 'psc'}_${randomBytes(8).toString('hex')}`, object: kind, date_created: new Date().toISOString() };
    pieces.push(piece);
    if (typeof key === 'string') byKey.set(key, piece);
    return { status: 200, body: piece };
  });
  return { url: srv.url, srv, pieces, close: () => srv.close() };
}
