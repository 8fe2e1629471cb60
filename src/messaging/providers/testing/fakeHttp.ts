/**
 * A local HTTP server for provider tests: listens on 127.0.0.1 on a free port, records every
 * request and answers from a script, so a provider is tested over a real socket against its
 * service's wire format without touching the network.
 *
 *   const srv = await startFakeHttp();
 *   srv.reply({ status: 202, headers: { 'x-message-id': 'abc' } }); // queued, used once each
 *   srv.handle(req => ({ status: 200, body: { ok: true } }));       // used when the queue is empty
 *   ... provider with baseUrl: srv.url ...
 *   srv.requests[0].json(); srv.requests[0].headers.authorization;
 *   await srv.close();
 *
 * With nothing scripted it answers 200 `{}`. `delayMs` holds the answer back (for timeouts);
 * `destroy: true` drops the connection without answering. `unusedPort()` gives a port nothing
 * listens on, to test "connection refused".
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json<T = unknown>(): T;
  form(): URLSearchParams;
}

export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON. */
  body?: string | Buffer | object;
  delayMs?: number;
  destroy?: boolean;
}

export type FakeHandler = (req: RecordedRequest) => ScriptedResponse | Promise<ScriptedResponse>;

export interface FakeHttpServer {
  /** http://127.0.0.1:PORT, no trailing slash. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  reply(...responses: ScriptedResponse[]): void;
  handle(fn: FakeHandler): void;
  close(): Promise<void>;
}

export async function startFakeHttp(handler?: FakeHandler): Promise<FakeHttpServer> {
  const queue: ScriptedResponse[] = [];
  const requests: RecordedRequest[] = [];
  let fallback: FakeHandler = handler ?? (() => ({ status: 200, body: {} }));
  const timers = new Set<NodeJS.Timeout>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.toString('utf8');
      const url = req.url ?? '/';
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET', url, path: url.split('?')[0], headers: req.headers, body, text,
        json: <T>() => JSON.parse(text) as T,
        form: () => new URLSearchParams(text),
      };
      requests.push(recorded);
      void (async () => {
        const script = queue.shift() ?? await fallback(recorded);
        const answer = () => {
          if (script.destroy) { req.socket.destroy(); return; }
          const isObject = script.body !== undefined && typeof script.body === 'object' && !Buffer.isBuffer(script.body);
          const payload = isObject ? JSON.stringify(script.body) : (script.body as string | Buffer | undefined) ?? '';
          const headers = { ...(isObject ? { 'content-type': 'application/json' } : {}), ...script.headers };
          res.writeHead(script.status ?? 200, headers).end(payload);
        };
        if (script.delayMs) {
          const t = setTimeout(() => { timers.delete(t); answer(); }, script.delayMs);
          timers.add(t);
        } else answer();
      })().catch(err => { res.writeHead(500).end(String(err)); });
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    reply: (...responses) => { queue.push(...responses); },
    handle: fn => { fallback = fn; },
    close: () => new Promise<void>(resolve => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A loopback port with nothing listening on it (bound, then released). */
export async function unusedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>(resolve => s.close(() => resolve()));
  return port;
}
