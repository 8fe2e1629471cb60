import { createHash } from 'node:crypto';
import { EventError } from '../ingest/index.ts';

/**
 * Turning a POS or shop CSV row into a Segment-shaped event. Columns are matched by
 * explicit --map flags first, then by the names exports commonly use; anything else
 * becomes a trait (customers) or a property (orders).
 */
export type CsvKind = 'customers' | 'orders';
export type Target = { kind: 'userId' | 'email' | 'phone' | 'timestamp' | 'skip' } | { kind: 'id' | 'trait' | 'property'; name: string };

const KNOWN: Record<string, Target> = {
  user_id: { kind: 'userId' }, userid: { kind: 'userId' },
  email: { kind: 'email' }, email_address: { kind: 'email' }, e_mail: { kind: 'email' },
  phone: { kind: 'phone' }, phone_number: { kind: 'phone' }, mobile: { kind: 'phone' },
  customer_id: { kind: 'id', name: 'pos_customer_id' }, pos_customer_id: { kind: 'id', name: 'pos_customer_id' },
  loyalty_id: { kind: 'id', name: 'loyalty_id' }, loyalty_card: { kind: 'id', name: 'loyalty_id' },
  timestamp: { kind: 'timestamp' }, created_at: { kind: 'timestamp' }, date: { kind: 'timestamp' }, order_date: { kind: 'timestamp' },
  first_name: { kind: 'trait', name: 'firstName' }, last_name: { kind: 'trait', name: 'lastName' },
};

export function parseMappings(flags: string[]): Map<string, Target> {
  const m = new Map<string, Target>();
  for (const f of flags) {
    const i = f.lastIndexOf('=');
    if (i <= 0) throw new Error(`--map "${f}": expected column=target`);
    const col = f.slice(0, i).trim();
    const t = f.slice(i + 1).trim();
    const [k, name] = t.includes(':') ? [t.slice(0, t.indexOf(':')), t.slice(t.indexOf(':') + 1)] : [t, ''];
    if (['userId', 'email', 'phone', 'timestamp', 'skip'].includes(k) && !name) m.set(col, { kind: k as 'userId' });
    else if (['id', 'trait', 'property'].includes(k) && /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) m.set(col, { kind: k as 'id', name });
    else throw new Error(`--map "${f}": unknown target "${t}"; use userId, email, phone, timestamp, id:<type>, trait:<name>, property:<name> or skip`);
  }
  return m;
}

const snake = (s: string) => s.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');

export function rowToEvent(row: Record<string, string>, kind: CsvKind, maps: Map<string, Target>, line: number): Record<string, unknown> {
  const traits: Record<string, unknown> = {};
  const props: Record<string, unknown> = {};
  const externalIds: { id: string; type: string; collection: string; encoding: string }[] = [];
  let userId: string | undefined;
  let timestamp: string | undefined;
  for (const [col, raw] of Object.entries(row)) {
    if (raw === undefined || raw === '') continue;
    const t = maps.get(col) ?? KNOWN[snake(col)] ?? (kind === 'customers' ? { kind: 'trait', name: snake(col) } : { kind: 'property', name: snake(col) });
    switch (t.kind) {
      case 'skip': break;
      case 'userId': userId = raw; break;
      case 'email': traits.email = raw; break;
      case 'phone': traits.phone = raw; break;
      case 'timestamp': {
        const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw);
        if (Number.isNaN(d.getTime())) throw new EventError(col, `not a date: ${JSON.stringify(raw)}`);
        timestamp = d.toISOString();
        break;
      }
      case 'id': externalIds.push({ id: raw, type: t.name, collection: 'users', encoding: 'none' }); break;
      case 'trait': traits[t.name] = numeric(raw); break;
      case 'property': props[t.name] = numeric(raw); break;
    }
  }
  const strongest = userId ?? externalIds[0]?.id ?? (traits.email as string) ?? (traits.phone as string);
  if (!strongest) throw new EventError(`row ${line}`, 'no identifier: map a column to userId, email, phone or id:<type>');
  // Rows without a user id still need one of Segment's two ids; a stable one per row identity keeps re-imports idempotent.
  const anonymousId = userId ? undefined : `import-${createHash('sha1').update(String(strongest)).digest('hex').slice(0, 16)}`;
  const idKey = kind === 'orders' ? String(props.order_id ?? props.id ?? line) : String(strongest);
  const messageId = `import-${kind}-${createHash('sha1').update(idKey + JSON.stringify(row)).digest('hex').slice(0, 24)}`;
  const context = { traits: kind === 'orders' ? traits : undefined, externalIds: externalIds.length ? externalIds : undefined };
  if (kind === 'customers') return { type: 'identify', userId, anonymousId, traits, context, timestamp, messageId };
  return { type: 'track', event: 'Order Completed', userId, anonymousId, properties: props, context, timestamp, messageId };
}

function numeric(v: string): unknown {
  return /^-?\d+(\.\d+)?$/.test(v) && v.length < 16 && !/^0\d/.test(v) ? Number(v) : v;
}
