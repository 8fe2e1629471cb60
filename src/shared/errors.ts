/**
 * The one domain error. Domain code throws it with a kind; the API maps kinds to HTTP
 * statuses in one place (src/api/errors.ts). `field` names the offending input, as a
 * JSON path where there is one ("steps.wait1.next"), so callers can fix their request.
 */
export type ErrorKind = 'invalid' | 'not_found' | 'conflict' | 'unauthorized' | 'forbidden' | 'too_large' | 'rate_limited' | 'unavailable';

export class OmnisError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly field?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(field ? `${field}: ${message}` : message);
    this.name = 'OmnisError';
  }
}

export const invalid = (field: string | undefined, message: string, details?: Record<string, unknown>) =>
  new OmnisError('invalid', message, field, details);
export const notFound = (what: string) => new OmnisError('not_found', `${what} not found`);
export const conflict = (message: string, field?: string) => new OmnisError('conflict', message, field);

/** Turns zod issues into one OmnisError naming the first offending path. */
export function fromZodIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, prefix = ''): OmnisError {
  const first = issues[0];
  const path = [prefix, ...(first?.path ?? []).map(String)].filter(Boolean).join('.');
  return invalid(path || undefined, first?.message ?? 'invalid input', {
    issues: issues.map(i => ({ path: [prefix, ...i.path.map(String)].filter(Boolean).join('.'), message: i.message })),
  });
}
