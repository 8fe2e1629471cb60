/**
 * A fake Google Ads API (REST) for Customer Match on loopback: `googleAds:search` over user
 * lists, `userLists:mutate`, and the OfflineUserDataJob cycle `:create`, `:addOperations`,
 * `:run`, validated like Google does (developer token, ≤ 100,000 identifiers per request,
 * ≤ 20 per person, 64-hex hashes; bad identifiers reported as a partial failure).
 * Errors use Google's shape: `{error: {code, message, status, details: [GoogleAdsFailure]}}`.
 */
import { startFakeHttp, type FakeHttpServer, type ScriptedResponse } from './fakeHttp.ts';

export function googleAdsErrorReply(httpStatus: number, status: string, errorCode: Record<string, string>, message: string, extra: Record<string, unknown> = {}): ScriptedResponse {
  return {
    status: httpStatus,
    body: {
      error: {
        code: httpStatus, message: 'Request contains an invalid argument.', status,
        details: [{ '@type': 'type.googleapis.com/google.ads.googleads.v20.errors.GoogleAdsFailure', errors: [{ errorCode, message, ...extra }], requestId: 'req-fake' }],
      },
    },
  };
}

type Identifier = { hashedEmail?: string; hashedPhoneNumber?: string; addressInfo?: Record<string, string> };
interface Job { id: string; userList: string; consent?: unknown; status: 'PENDING' | 'RUNNING'; ops: { kind: 'create' | 'remove'; ids: Identifier[] }[] }

export interface GoogleAdsFake {
  url: string;
  srv: FakeHttpServer;
  lists: Map<string, { id: string; name: string; body: Record<string, unknown>; members: Set<string> }>;
  jobs: Map<string, Job>;
  close(): Promise<void>;
}

const HEX = /^[0-9a-f]{64}$/;
const validIdentifier = (i: Identifier) =>
  (i.hashedEmail !== undefined && HEX.test(i.hashedEmail)) || (i.hashedPhoneNumber !== undefined && HEX.test(i.hashedPhoneNumber))
  || (i.addressInfo !== undefined && HEX.test(i.addressInfo.hashedFirstName ?? '') && HEX.test(i.addressInfo.hashedLastName ?? ''));

export async function startGoogleAdsFake(opts: { customerId: string; developerToken: string; accessToken: string; loginCustomerId?: string }): Promise<GoogleAdsFake> {
  const lists: GoogleAdsFake['lists'] = new Map();
  const jobs = new Map<string, Job>();
  let next = 7000;
  const cid = opts.customerId;
  const srv = await startFakeHttp(req => {
    if (req.headers.authorization !== `Bearer ${opts.accessToken}`) {
      return googleAdsErrorReply(401, 'UNAUTHENTICATED', { authenticationError: 'OAUTH_TOKEN_INVALID' }, 'Oauth token is invalid.');
    }
    if (req.headers['developer-token'] !== opts.developerToken) {
      return googleAdsErrorReply(401, 'UNAUTHENTICATED', { authenticationError: 'DEVELOPER_TOKEN_INVALID' }, 'The developer token is not valid.');
    }
    if (opts.loginCustomerId && req.headers['login-customer-id'] !== opts.loginCustomerId) {
      return googleAdsErrorReply(403, 'PERMISSION_DENIED', { authorizationError: 'USER_PERMISSION_DENIED' }, "User doesn't have permission to access customer.");
    }
    const m = /^\/v\d+\/customers\/(\d+)\/(.+)$/.exec(req.path);
    if (req.method !== 'POST' || !m) return { status: 404, body: { error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } } };
    if (m[1] !== cid) return googleAdsErrorReply(403, 'PERMISSION_DENIED', { authorizationError: 'USER_PERMISSION_DENIED' }, 'No access to customer.');
    const body = req.json<Record<string, unknown>>();
    const action = m[2];

    if (action === 'googleAds:search') {
      const q = String(body.query ?? '');
      const name = /user_list\.name = '((?:[^'\\]|\\.)*)'/.exec(q)?.[1]?.replace(/\\(.)/g, '$1');
      const results = [...lists.values()].filter(l => l.name === name).map(l => ({ userList: { resourceName: `customers/${cid}/userLists/${l.id}`, name: l.name } }));
      return { status: 200, body: { results, fieldMask: 'userList.resourceName,userList.name' } };
    }
    if (action === 'userLists:mutate') {
      const create = (body.operations as { create?: Record<string, unknown> }[] | undefined)?.[0]?.create;
      const crm = create?.crmBasedUserList as { uploadKeyType?: string } | undefined;
      if (!create?.name || !crm?.uploadKeyType) return googleAdsErrorReply(400, 'INVALID_ARGUMENT', { fieldError: 'REQUIRED' }, 'The required field was not present.');
      if ([...lists.values()].some(l => l.name === create.name)) return googleAdsErrorReply(400, 'INVALID_ARGUMENT', { userListError: 'NAME_ALREADY_USED' }, 'Name is already being used for another user list for the account.');
      const id = String(next++);
      lists.set(id, { id, name: String(create.name), body: create, members: new Set() });
      return { status: 200, body: { results: [{ resourceName: `customers/${cid}/userLists/${id}` }] } };
    }
    if (action === 'offlineUserDataJobs:create') {
      const job = body.job as { type?: string; customerMatchUserListMetadata?: { userList?: string; consent?: unknown } } | undefined;
      const listId = job?.customerMatchUserListMetadata?.userList?.split('/').pop();
      if (job?.type !== 'CUSTOMER_MATCH_USER_LIST' || !listId || !lists.has(listId)) {
        return googleAdsErrorReply(400, 'INVALID_ARGUMENT', { offlineUserDataJobError: 'INVALID_USER_LIST_ID' }, 'Invalid user list id.');
      }
      const id = String(next++);
      jobs.set(id, { id, userList: listId, consent: job.customerMatchUserListMetadata?.consent, status: 'PENDING', ops: [] });
      return { status: 200, body: { resourceName: `customers/${cid}/offlineUserDataJobs/${id}` } };
    }
    const jm = /^offlineUserDataJobs\/(\d+):(addOperations|run)$/.exec(action);
    const job = jm ? jobs.get(jm[1]) : undefined;
    if (!jm || !job) return googleAdsErrorReply(404, 'NOT_FOUND', { requestError: 'RESOURCE_NAME_MALFORMED' }, 'Unknown resource.');
    if (job.status !== 'PENDING') return googleAdsErrorReply(400, 'INVALID_ARGUMENT', { offlineUserDataJobError: 'INVALID_JOB_STATUS' }, 'Job is not PENDING.');
    if (jm[2] === 'run') {
      job.status = 'RUNNING';
      const list = lists.get(job.userList)!;
      for (const op of job.ops) for (const i of op.ids) {
        const key = JSON.stringify(i);
        if (op.kind === 'create') list.members.add(key); else list.members.delete(key);
      }
      return { status: 200, body: { name: `customers/${cid}/operations/${job.id}` } };
    }
    const ops = (body.operations ?? []) as { create?: { userIdentifiers?: Identifier[] }; remove?: { userIdentifiers?: Identifier[] } }[];
    const total = ops.reduce((n, o) => n + ((o.create ?? o.remove)?.userIdentifiers?.length ?? 0), 0);
    if (total > 100_000 || ops.some(o => ((o.create ?? o.remove)?.userIdentifiers?.length ?? 0) > 20)) {
      return googleAdsErrorReply(400, 'INVALID_ARGUMENT', { offlineUserDataJobError: 'TOO_MANY_USER_IDENTIFIERS' }, 'Maximum number of user identifiers allowed per request is 100,000 and per operation is 20.');
    }
    const failures: unknown[] = [];
    ops.forEach((o, index) => {
      const kind = o.create ? 'create' : 'remove';
      const ids = (o.create ?? o.remove)?.userIdentifiers ?? [];
      if (!ids.length || !ids.every(validIdentifier)) {
        failures.push({ errorCode: { collectionSizeError: 'TOO_FEW' }, message: 'Invalid identifier.', location: { fieldPathElements: [{ fieldName: 'operations', index }, { fieldName: kind }] } });
      } else job.ops.push({ kind, ids });
    });
    return {
      status: 200,
      body: failures.length && body.enablePartialFailure
        ? { partialFailureError: { code: 3, message: 'Invalid identifiers.', details: [{ '@type': 'type.googleapis.com/google.ads.googleads.v20.errors.GoogleAdsFailure', errors: failures }] } }
        : {},
    };
  });
  return { url: srv.url, srv, lists, jobs, close: () => srv.close() };
}
