/**
 * Runs the chosen models over a set of paths. Paths are checked and encoded once; every
 * model then reads the encoded form.
 */
import { invalid } from '../../shared/index.ts';
import { encodePaths, type Encoded } from './encode.ts';
import {
  checkPositionWeights, firstTouch, lastNonDirect, lastTouch, linear, positionBased, timeDecay, type Credits,
} from './heuristic.ts';
import { markov } from './markov.ts';
import { shapley } from './shapley.ts';
import {
  MODEL_NAMES, type AttributionOptions, type ChannelCredit, type ModelName, type ModelResult, type Path,
  type PositionWeights, type ShapleyMethod,
} from './types.ts';

const DAY_MS = 86_400_000;
const SHAPLEY_METHODS: readonly ShapleyMethod[] = ['auto', 'exact', 'simplified', 'sampled'];

interface Settings {
  models: ModelName[];
  order: number;
  nulls: boolean;
  halfLifeMs: number;
  halfLifeSteps: number;
  positionWeights: PositionWeights;
  shapleyMethod: ShapleyMethod;
  shapleySamples: number;
  seed: number;
  directChannels: readonly string[];
}

export function attribute(paths: readonly Path[], options: AttributionOptions = {}): ModelResult[] {
  const s = settings(options);
  const e = encodePaths(paths, s.directChannels);
  return s.models.map(model => run(model, e, s));
}

function run(model: ModelName, e: Encoded, s: Settings): ModelResult {
  switch (model) {
    case 'first': return result(model, e, firstTouch(e));
    case 'last': return result(model, e, lastTouch(e));
    case 'last_non_direct': return result(model, e, lastNonDirect(e));
    case 'linear': return result(model, e, linear(e));
    case 'time_decay': return result(model, e, timeDecay(e, s.halfLifeMs, s.halfLifeSteps));
    case 'position': return result(model, e, positionBased(e, s.positionWeights));
    case 'shapley': {
      const sh = shapley(e, s.shapleyMethod, s.shapleySamples, s.seed);
      return { ...result(model, e, sh), method: sh.method };
    }
    case 'markov': {
      const m = markov(e, s.order, s.nulls);
      const r = result(model, e, m);
      r.order = s.order;
      r.channels.forEach((ch, c) => { ch.removalEffect = m.removalEffect[c]; ch.valueRemovalEffect = m.valueRemovalEffect[c]; });
      return r;
    }
  }
}

function result(model: ModelName, e: Encoded, credits: Credits): ModelResult {
  const channels: ChannelCredit[] = e.channels.map((channel, c) => ({
    channel,
    conversions: credits.conversions[c],
    value: credits.values[c],
  }));
  return { model, channels, totalConversions: e.totalConversions, totalValue: e.totalValue };
}

function settings(o: AttributionOptions): Settings {
  if (o === null || typeof o !== 'object') throw invalid('options', 'expected an object');
  let models: ModelName[];
  if (o.models === undefined || o.models === 'all') models = [...MODEL_NAMES];
  else if (Array.isArray(o.models) && o.models.length > 0) {
    models = o.models.map((m, i) => {
      if (!(MODEL_NAMES as readonly string[]).includes(m)) throw invalid(`models[${i}]`, `unknown model ${JSON.stringify(m)}; expected one of ${MODEL_NAMES.join(', ')}`);
      return m;
    });
    models = [...new Set(models)];
  } else throw invalid('models', `expected "all" or a non-empty list of ${MODEL_NAMES.join(', ')}`);
  return {
    models,
    order: integer(o.order ?? 1, 'order', 1),
    nulls: boolean(o.nulls ?? false, 'nulls'),
    halfLifeMs: positive(o.halfLifeMs ?? 7 * DAY_MS, 'halfLifeMs'),
    halfLifeSteps: positive(o.halfLifeSteps ?? 1, 'halfLifeSteps'),
    positionWeights: checkPositionWeights(o.positionWeights ?? { first: 0.4, middle: 0.2, last: 0.4 }),
    shapleyMethod: shapleyMethod(o.shapleyMethod ?? 'auto'),
    shapleySamples: integer(o.shapleySamples ?? 1000, 'shapleySamples', 1),
    seed: integer(o.seed ?? 1, 'seed', 0),
    directChannels: names(o.directChannels ?? ['direct'], 'directChannels'),
  };
}

function integer(v: unknown, field: string, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw invalid(field, `expected an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
}

function positive(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw invalid(field, `expected a number > 0, got ${JSON.stringify(v)}`);
  return v;
}

function shapleyMethod(v: unknown): ShapleyMethod {
  if (!SHAPLEY_METHODS.includes(v as ShapleyMethod)) throw invalid('shapleyMethod', `expected one of ${SHAPLEY_METHODS.join(', ')}, got ${JSON.stringify(v)}`);
  return v as ShapleyMethod;
}

function boolean(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw invalid(field, `expected true or false, got ${JSON.stringify(v)}`);
  return v;
}

function names(v: unknown, field: string): string[] {
  if (!Array.isArray(v) || !v.every(x => typeof x === 'string')) throw invalid(field, 'expected a list of channel names');
  return v;
}
