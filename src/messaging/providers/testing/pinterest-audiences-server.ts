/**
 * A fake Pinterest API v5 for customer lists on loopback: Bearer token, `GET`/`POST
 * /v5/ad_accounts/{id}/customer_lists` (bookmark paging; a create needs name and records) and
 * `PATCH .../customer_lists/{list_id}` with `{records, operation_type: ADD | REMOVE}`.
 * Records are a comma-separated string; like Pinterest it takes plain or hashed emails, and
 * this fake counts what is neither a 64-hex SHA-256 nor an address as invalid.
 * Errors use Pinterest's shape `{code, message}`.
 */
import { startFakeHttp, type FakeHttpServer, type ScriptedResponse } from './fakeHttp.ts';

export function pinterestErrorReply(status: number, code: number, message: string): ScriptedResponse {
  return { status, body: { code, message } };
}

export interface FakeCustomerList { id: string; name: string; list_type: string; members: Set<string>; num_batches: number }

export interface PinterestAudiencesFake {
  url: string;
  srv: FakeHttpServer;
  lists: Map<string, FakeCustomerList>;
  /** Every create and update, in order: which list, what, and the records. */
  operations: { listId: string; op: 'CREATE' | 'ADD' | 'REMOVE'; records: string[] }[];
  close(): Promise<void>;
}

const HASH = /^[0-9a-f]{64}$/;
const ADDRESS = /^[^@\s,]+@[^@\s,]+$/;

export async function startPinterestAudiencesFake(opts: { accessToken: string; adAccountId: string; pageSize?: number }): Promise<PinterestAudiencesFake> {
  const lists = new Map<string, FakeCustomerList>();
  const operations: PinterestAudiencesFake['operations'] = [];
  let nextId = 549755885175;
  const view = (l: FakeCustomerList) => ({
    id: l.id, name: l.name, ad_account_id: opts.adAccountId, type: 'customerlist', status: 'PROCESSING', num_batches: l.num_batches,
    num_uploaded_user_records: l.members.size, num_removed_user_records: 0, created_time: 1772442000, updated_time: 1772442000,
  });
  const parseRecords = (v: unknown): string[] | null => (typeof v === 'string' && v.trim() ? v.split(',').map(s => s.trim()).filter(Boolean) : null);
  const srv = await startFakeHttp(req => {
    if (req.headers.authorization !== `Bearer ${opts.accessToken}`) return pinterestErrorReply(401, 2, 'Authentication failed.');
    const m = /^\/v5\/ad_accounts\/(\d+)\/customer_lists(?:\/(\d+))?$/.exec(req.path);
    if (!m) return pinterestErrorReply(404, 404, 'Not found.');
    if (m[1] !== opts.adAccountId) return pinterestErrorReply(403, 29, 'You are not permitted to access that resource.');
    const q = new URL(req.url, 'http://x').searchParams;
    if (!m[2] && req.method === 'GET') {
      const all = [...lists.values()];
      const size = opts.pageSize ?? Number(q.get('page_size') ?? 25);
      const start = Number(q.get('bookmark') ?? 0);
      const more = start + size < all.length;
      return { status: 200, body: { items: all.slice(start, start + size).map(view), bookmark: more ? String(start + size) : null } };
    }
    const b = req.json<{ name?: unknown; records?: unknown; list_type?: unknown; operation_type?: unknown }>();
    const records = parseRecords(b.records);
    if (!records) return pinterestErrorReply(400, 1, 'Invalid parameters: records is required.');
    const bad = records.filter(r => !HASH.test(r) && !ADDRESS.test(r));
    if (bad.length) return pinterestErrorReply(400, 1, `Invalid parameters: ${bad.length} records are not emails or hashes.`);
    if (!m[2] && req.method === 'POST') {
      if (typeof b.name !== 'string' || !b.name) return pinterestErrorReply(400, 1, 'Invalid parameters: name is required.');
      if (b.list_type !== undefined && b.list_type !== 'EMAIL') return pinterestErrorReply(400, 1, 'Invalid parameters: this fake takes EMAIL lists.');
      const l: FakeCustomerList = { id: String(nextId++), name: b.name, list_type: 'EMAIL', members: new Set(records), num_batches: 1 };
      lists.set(l.id, l);
      operations.push({ listId: l.id, op: 'CREATE', records });
      return { status: 200, body: view(l) };
    }
    if (m[2] && req.method === 'PATCH') {
      const l = lists.get(m[2]);
      if (!l) return pinterestErrorReply(404, 2601, 'Customer list not found.');
      if (b.operation_type !== 'ADD' && b.operation_type !== 'REMOVE') return pinterestErrorReply(400, 1, 'Invalid parameters: operation_type must be ADD or REMOVE.');
      for (const r of records) if (b.operation_type === 'ADD') l.members.add(r); else l.members.delete(r);
      l.num_batches++;
      operations.push({ listId: l.id, op: b.operation_type, records });
      return { status: 200, body: view(l) };
    }
    return pinterestErrorReply(405, 405, 'Method not allowed.');
  });
  return { url: srv.url, srv, lists, operations, close: () => srv.close() };
}
