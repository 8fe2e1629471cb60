import type { Step } from './model.ts';
import { edgesOf } from './graph.ts';

/** The step ids a step leads to (holdout paths lead nowhere). */
export const successors = (s: Step): string[] => edgesOf('', s).filter(e => e.kind !== 'holdout').map(e => e.to);
