/**
 * A fake Marketing API for Custom Audiences on loopback: list and create audiences under
 * `act_{id}/customaudiences` (cursor paging), and `POST`/`DELETE {id}/users` with
 * `{payload: {schema, data}, session}` validated as Meta does: known schema keys, rows as
 * wide as the schema, ≤ 10,000 rows, hashed values, batch_seq in order per session.
 * Answers `{audience_id, session_id, num_received, num_invalid_entries, invalid_entry_samples}`.
 */
import { startFakeHttp, type FakeHttpServer } from './fakeHttp.ts';
import { graphErrorReply } from './messenger-server.ts';

const SCHEMA_KEYS = new Set(['EMAIL', 'PHONE', 'FN', 'LN', 'ZIP', 'CT', 'ST', 'COUNTRY', 'DOBY', 'GEN', 'EXTERN_ID', 'MADID']);
const HASH = /^[0-9a-f]{64}$/;

export interface FakeAudience { id: string; name: string; subtype: string; members: Set<string> }

export interface FacebookAudiencesFake {
  url: string;
  srv: FakeHttpServer;
  audiences: Map<string, FakeAudience>;
  /** Every users call's session block, in order. */
  sessions: { session_id: number; batch_seq: number; last_batch_flag: boolean; estimated_num_total: number; rows: number }[];
  close(): Promise<void>;
}

export async function startFacebookAudiencesFake(opts: { accessToken: string; adAccountId: string; pageSize?: number }): Promise<FacebookAudiencesFake> {
  const audiences = new Map<string, FakeAudience>();
  const sessions: FacebookAudiencesFake['sessions'] = [];
  const lastSeq = new Map<number, number>();
  let nextId = 23850000000000;
  const srv = await startFakeHttp(req => {
    if (req.headers.authorization !== `Bearer ${opts.accessToken}`) return graphErrorReply(190, 'Invalid OAuth access token.', { status: 401 });
    const q = new URL(req.url, 'http://x').searchParams;
    const list = /^\/v\d+\.\d+\/act_(\d+)\/customaudiences$/.exec(req.path);
    if (list) {
      if (list[1] !== opts.adAccountId) return graphErrorReply(100, `(#100) Unsupported request: act_${list[1]}`);
      if (req.method === 'GET') {
        const all = [...audiences.values()];
        const size = opts.pageSize ?? Number(q.get('limit') ?? 25);
        const start = Number(q.get('after') ?? 0);
        const data = all.slice(start, start + size).map(a => ({ id: a.id, name: a.name }));
        const more = start + size < all.length;
        return { status: 200, body: { data, paging: { cursors: { before: String(start), after: String(start + size) }, ...(more ? { next: 'https://graph.facebook.com/next' } : {}) } } };
      }
      const b = req.json<{ name?: string; subtype?: string; customer_file_source?: string }>();
      if (!b.name) return graphErrorReply(100, '(#100) The parameter name is required');
      if (b.subtype !== 'CUSTOM') return graphErrorReply(100, '(#100) subtype must be CUSTOM');
      if (b.customer_file_source !== 'USER_PROVIDED_ONLY') return graphErrorReply(100, '(#100) customer_file_source is required', { subcode: 1870034 });
      const a = { id: String(nextId++), name: b.name, subtype: b.subtype, members: new Set<string>() };
      audiences.set(a.id, a);
      return { status: 200, body: { id: a.id } };
    }
    const users = /^\/v\d+\.\d+\/(\d+)\/users$/.exec(req.path);
    if (users && (req.method === 'POST' || req.method === 'DELETE')) {
      const a = audiences.get(users[1]);
      if (!a) return graphErrorReply(100, `(#100) Object with ID '${users[1]}' does not exist`);
      const b = req.json<{ payload?: { schema?: string[]; data?: string[][] }; session?: FacebookAudiencesFake['sessions'][number] }>();
      const schema = b.payload?.schema;
      const data = b.payload?.data;
      if (!Array.isArray(schema) || !schema.length || !schema.every(k => SCHEMA_KEYS.has(k))) return graphErrorReply(100, '(#100) Invalid schema', { subcode: 1870008 });
      if (!Array.isArray(data) || !data.length) return graphErrorReply(100, '(#100) Missing data', { subcode: 1870009 });
      if (data.length > 10_000) return graphErrorReply(100, '(#100) Too many rows: at most 10000 per request', { subcode: 1870014 });
      const s = b.session;
      if (s) {
        if (s.batch_seq !== (lastSeq.get(s.session_id) ?? 0) + 1) return graphErrorReply(100, '(#100) Invalid batch_seq for session', { subcode: 1870092 });
        lastSeq.set(s.session_id, s.batch_seq);
        sessions.push({ ...s, rows: data.length });
      }
      let invalid = 0;
      for (const row of data) {
        const ok = Array.isArray(row) && row.length === schema.length && row.every((v, i) => v === '' || schema[i] === 'EXTERN_ID' || HASH.test(v));
        if (!ok) { invalid++; continue; }
        if (req.method === 'POST') a.members.add(row.join('|')); else a.members.delete(row.join('|'));
      }
      return { status: 200, body: { audience_id: a.id, session_id: s?.session_id ?? 0, num_received: data.length, num_invalid_entries: invalid, invalid_entry_samples: {} } };
    }
    return graphErrorReply(100, 'Unsupported request.', { status: 404 });
  });
  return { url: srv.url, srv, audiences, sessions, close: () => srv.close() };
}
