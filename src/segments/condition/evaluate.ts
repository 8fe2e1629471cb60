/**
 * The one evaluator. The incremental path (one profile after each event), the scheduled
 * path (a re-check at `recheckAt`) and the full-compute path (every profile) all call
 * `evaluate` (or a compiled condition, which is the same code), so they cannot disagree:
 * the answer is a function of (condition, profile data, events, now) and nothing else.
 */
import type { Condition, EvalInput, EvalResult } from './types.ts';
import { compileNode } from './compile.ts';
import { requirements, type Requirements } from './refs.ts';
import type { Ctx } from './node.ts';

export interface CompiledCondition {
  readonly condition: Condition;
  readonly requirements: Requirements;
  evaluate(input: EvalInput, now: number): EvalResult;
}

const compiled = new WeakMap<Condition, CompiledCondition>();

/** Prepares a parsed condition for repeated evaluation; cached per condition object. */
export function compile(condition: Condition): CompiledCondition {
  let c = compiled.get(condition);
  if (!c) {
    const node = compileNode(condition);
    c = {
      condition,
      requirements: requirements(condition),
      evaluate(input, now) {
        const ctx: Ctx = { input, at: Infinity };
        const match = node(ctx, now);
        return { match, recheckAt: ctx.at === Infinity ? null : ctx.at };
      },
    };
    compiled.set(condition, c);
  }
  return c;
}

/**
 * Whether the profile matches at `now`, and the earliest later time the answer can change
 * with no new event (null: only new data can change it). `cond` must come from
 * `parseCondition`; `now` is epoch ms.
 */
export function evaluate(cond: Condition, input: EvalInput, now: number): EvalResult {
  return compile(cond).evaluate(input, now);
}
