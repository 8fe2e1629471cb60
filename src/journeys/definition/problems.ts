/**
 * Every problem of a journey being edited, not only the first: the editor marks each
 * step that needs attention at once. Each step is checked on its own (a broken step does
 * not hide the others), then the whole journey (entry, graph) once the steps pass, then
 * what publishing additionally refuses (a template or audience not chosen yet).
 */
import { OmnisError } from './deps.ts';
import { STEP_ID_RE, type Step } from './types.ts';
import { parseJourney } from './parse.ts';
import { parseStep } from './steps.ts';

export interface Problem {
  /** Dotted path inside the definition ("steps.email.template"), or "" for the whole journey. */
  path: string;
  /** The step the path is inside of, if any. */
  step: string | null;
  message: string;
  /** True when only publishing is refused; the draft still saves. */
  publishOnly: boolean;
}

const stepOf = (path: string): string | null => /^steps\.([^.]+)/.exec(path)?.[1] ?? null;

function problemOf(err: unknown, publishOnly = false): Problem {
  if (!(err instanceof OmnisError)) throw err;
  const path = err.field ?? '';
  const prefix = path ? `${path}: ` : '';
  const message = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  return { path, step: stepOf(path), message, publishOnly };
}

export function journeyProblems(input: unknown): Problem[] {
  const out: Problem[] = [];
  const steps = input && typeof input === 'object' && !Array.isArray(input) ? (input as { steps?: unknown }).steps : undefined;
  const parsed = new Map<string, Step>();
  if (steps && typeof steps === 'object' && !Array.isArray(steps)) {
    for (const [id, raw] of Object.entries(steps)) {
      if (!STEP_ID_RE.test(id) || id === '__proto__') continue;
      try { parsed.set(id, parseStep(raw, `steps.${id}`)); } catch (e) { out.push(problemOf(e)); }
    }
  }
  // The whole journey's first problem, unless it is one already reported for a step.
  try { parseJourney(input); } catch (e) {
    const p = problemOf(e);
    if (!out.some(o => o.path === p.path || (p.step && o.step === p.step && p.path.startsWith(o.path)))) out.push(p);
  }
  for (const [id, step] of parsed) {
    if (step.type === 'send') {
      const keys = typeof step.template === 'string' ? [['', step.template]] : Object.entries(step.template).map(([c, k]) => [`.${c}`, k ?? '']);
      for (const [suffix, key] of keys) {
        if (key.trim() === '') out.push({ path: `steps.${id}.template${suffix}`, step: id, message: 'choose a template before publishing', publishOnly: true });
      }
    }
    if (step.type === 'audience' && step.audience.trim() === '') out.push({ path: `steps.${id}.audience`, step: id, message: 'choose an audience before publishing', publishOnly: true });
  }
  return out;
}
