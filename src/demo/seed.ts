/**
 * Seeds the demo workspace of `npm start`: the mattress brand of SCENARIOS.md §1 with a
 * write key per source, the example templates and journeys (published), segments, a
 * contact policy, every message channel on the `capture` provider, and ad spend.
 *
 * Idempotent, so it runs on every start: it creates what is missing and never touches
 * what exists (a template, journey, segment or channel the user changed stays changed;
 * items are matched by key or name). The write keys' secrets are kept in the workspace's
 * settings (`settings.demo`) so the simulator can send with them after a restart; write
 * keys are public by design (they ship in web pages), admin keys are never kept.
 */
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { DEFAULT_WORKSPACE, ensureWorkspace, type Omnis } from '../app/index.ts';
import { createKey } from '../ingest/index.ts';
import { DEFAULT_POLICY } from '../journeys/index.ts';
import { importSpend, listSpend, parseSpendRows } from '../analytics/index.ts';
import { SOURCES, SOURCE_CHANNEL, type DemoKeys } from './brand.ts';
import { DEMO_CHANNELS, DEMO_POLICY, DEMO_SEGMENTS, demoSpend } from './workspace.ts';

const EXAMPLES = new URL('../../examples/mattress/', import.meta.url);
const example = (name: string) => JSON.parse(readFileSync(new URL(name, EXAMPLES), 'utf8'));
export const DEMO_JOURNEYS = ['cart-journey.json', 'post-purchase-journey.json'];

export interface SeedOptions {
  /** Default: the default workspace. */
  workspaceId?: string;
  /** Also write {workspaceId, keys} here (mode 600), for `omnis simulate` on the same machine. */
  keysFile?: string;
  /** Days of ad spend up to today; default 30. */
  spendDays?: number;
}

export interface SeedResult {
  workspaceId: string;
  keys: DemoKeys;
  /** True when this workspace had never been seeded: the time to backfill history. */
  firstRun: boolean;
  /** What this call created; all zero (and policy false) when everything was there. */
  created: { keys: number; templates: number; journeys: number; segments: number; channels: number; policy: boolean; spendRows: number };
  /** Journey publish warnings and the like. */
  warnings: string[];
}

interface DemoState { keys?: Partial<DemoKeys>; policy?: boolean; seededAt?: string }

export async function seedDemo(omnis: Omnis, opts: SeedOptions = {}): Promise<SeedResult> {
  const ws = opts.workspaceId ?? DEFAULT_WORKSPACE;
  const { db } = omnis;
  const now = omnis.clock.now();
  await ensureWorkspace(db, ws, ws === DEFAULT_WORKSPACE ? 'Default workspace' : ws);
  const state = await readState(omnis, ws);
  const firstRun = !state.seededAt;
  const created: SeedResult['created'] = { keys: 0, templates: 0, journeys: 0, segments: 0, channels: 0, policy: false, spendRows: 0 };
  const warnings: string[] = [];

  const keys = {} as DemoKeys;
  for (const source of SOURCES) {
    const had = state.keys?.[source];
    const live = had ? await omnis.keys.authenticate(had, 'write') : null;
    if (had && live?.workspaceId === ws) { keys[source] = had; continue; }
    keys[source] = (await createKey(db, { workspaceId: ws, kind: 'write', name: `demo ${source}`, source, channel: SOURCE_CHANNEL[source] })).secret;
    created.keys++;
  }

  for (const t of example('templates.json') as { key: string; channel: string }[]) {
    if (await omnis.templates.exists(ws, t.key, t.channel)) continue;
    await omnis.templates.create(ws, t);
    created.templates++;
  }

  const journeys = new Set((await omnis.journeys.list(ws)).map(j => j.name));
  for (const file of DEMO_JOURNEYS) {
    const def = example(file) as { name: string };
    if (journeys.has(def.name)) continue;
    const j = await omnis.journeys.create(ws, def);
    const published = await omnis.journeys.publish(ws, j.id);
    for (const w of published.warnings) warnings.push(`${def.name}: ${w.field}: ${w.message}`);
    created.journeys++;
  }

  const segments = new Set((await omnis.segments.list(ws)).map(s => s.name));
  for (const s of DEMO_SEGMENTS) {
    if (segments.has(s.name)) continue;
    await omnis.segments.create(ws, s);
    created.segments++;
  }

  for (const channel of DEMO_CHANNELS) {
    if (await omnis.messaging.channels.get(ws, channel)) continue;
    await omnis.messaging.channels.put(ws, channel, { provider: 'capture', settings: {} });
    created.channels++;
  }

  // Set once, and only over the built-in default: a policy someone wrote is theirs.
  if (!state.policy) {
    if (isDeepStrictEqual(await omnis.journeys.policy(db, ws), DEFAULT_POLICY)) {
      await omnis.journeys.setPolicy(ws, DEMO_POLICY);
      created.policy = true;
    }
    state.policy = true;
  }

  const days = opts.spendDays ?? 30;
  const range = { from: Date.parse(new Date(now - days * 86_400_000).toISOString().slice(0, 10)), to: now + 86_400_000 };
  const have = new Set((await listSpend(db, ws, range, 10_000)).map(r => `${r.day}|${r.channel}|${r.campaign}`));
  const missing = demoSpend(now, days).filter(r => !have.has(`${r.date}|${r.channel}|${r.campaign}`));
  if (missing.length) created.spendRows = (await importSpend(db, ws, parseSpendRows(missing), now)).inserted;

  await writeState(omnis, ws, { ...state, keys, seededAt: state.seededAt ?? new Date(now).toISOString() });
  if (opts.keysFile) writeKeysFile(opts.keysFile, { workspaceId: ws, keys });
  return { workspaceId: ws, keys, firstRun, created, warnings };
}

/** The demo's write keys as stored by seedDemo, or null when the workspace was never seeded. */
export async function demoKeys(omnis: Pick<Omnis, 'db'>, workspaceId = DEFAULT_WORKSPACE): Promise<DemoKeys | null> {
  const keys = (await readState(omnis, workspaceId)).keys;
  return keys && SOURCES.every(s => keys[s]) ? keys as DemoKeys : null;
}

async function readState(omnis: Pick<Omnis, 'db'>, ws: string): Promise<DemoState> {
  const rows = await omnis.db.query<{ demo: DemoState | null }>(`select settings->'demo' as demo from workspaces where id = $1`, [ws]);
  return { ...(rows[0]?.demo ?? {}) };
}

async function writeState(omnis: Pick<Omnis, 'db'>, ws: string, state: DemoState) {
  await omnis.db.query(`update workspaces set settings = jsonb_set(settings, '{demo}', $2::jsonb) where id = $1`, [ws, JSON.stringify(state)]);
}

export interface KeysFile { workspaceId: string; keys: DemoKeys }

export function writeKeysFile(file: string, content: KeysFile) {
  const text = JSON.stringify(content, null, 2) + '\n';
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text, { mode: 0o600 });
}

export function readKeysFile(file: string): KeysFile | null {
  if (!existsSync(file)) return null;
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as KeysFile;
    return v && typeof v === 'object' && v.keys && SOURCES.every(s => typeof v.keys[s] === 'string') ? v : null;
  } catch { return null; }
}
