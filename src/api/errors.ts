import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { OmnisError, type ErrorKind } from '../shared/index.ts';

/** The one place domain error kinds become HTTP statuses. */
export const STATUS: Record<ErrorKind, number> = {
  invalid: 400, unauthorized: 401, forbidden: 403, not_found: 404, conflict: 409, too_large: 413, rate_limited: 429, unavailable: 503,
};

export interface ErrorBody { error: { code: string; message: string; field?: string; details?: Record<string, unknown> } }

export function errorHandler(err: FastifyError | OmnisError | Error, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof OmnisError) {
    if (err.kind === 'rate_limited' && typeof err.details?.retryAfter === 'number') reply.header('Retry-After', String(err.details.retryAfter));
    const body: ErrorBody = { error: { code: err.kind, message: err.message, field: err.field } };
    if (err.details && err.kind === 'invalid') body.error.details = err.details;
    return reply.status(STATUS[err.kind]).send(body);
  }
  const fe = err as FastifyError & { validation?: ValidationItem[]; validationContext?: string };
  if (fe.validation?.length) {
    const ctx = fe.validationContext && fe.validationContext !== 'body' ? (fe.validationContext === 'querystring' ? 'query' : fe.validationContext) : '';
    const issues = fe.validation.map(x => ({ path: pathOf(ctx, x), message: x.message ?? 'invalid' }));
    const field = issues[0].path || undefined;
    return reply.status(400).send({ error: { code: 'invalid', message: `${field ? `${field}: ` : ''}${issues[0].message}`, field, details: { issues } } });
  }
  if (fe.statusCode === 413 || fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.status(413).send({ error: { code: 'too_large', message: 'request body is too large' } });
  if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err instanceof SyntaxError) {
    return reply.status(400).send({ error: { code: 'invalid', message: `malformed JSON: ${err.message}`, field: 'body' } });
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return reply.status(fe.statusCode).send({ error: { code: fe.code ?? 'invalid', message: err.message } });
  }
  // Unknown errors never leak internals to the caller.
  req.log.error({ err }, 'unhandled error');
  return reply.status(500).send({ error: { code: 'internal', message: 'internal error; see the server log' } });
}

interface ValidationItem { instancePath?: string; message?: string; params?: { keys?: unknown } }

/** The dotted path of a schema validation issue; an unknown key is named itself, not its parent object. */
function pathOf(ctx: string, v: ValidationItem): string {
  const keys = Array.isArray(v.params?.keys) ? v.params.keys.filter((k): k is string => typeof k === 'string') : [];
  return [ctx, ...(v.instancePath ?? '').split('/').filter(Boolean), ...keys.slice(0, 1)].filter(Boolean).join('.');
}
