/**
 * A journey's split paths read as an experiment: each arm's conversion rate against a
 * control, with the lift's 95% interval. The control is the holdout when the journey has
 * one (did the journey help at all?), else the first arm (did B beat A?).
 */
import { lift, type Rate } from '../../journeys/index.ts';

export interface ArmInput { path: string | null; holdout: boolean; runs: number; conversions: number; rate: number; revenue: number }

export interface Arm extends Rate {
  path: string;
  holdout: boolean;
  control: boolean;
  /** Against the control; null for the control itself or when either side has no runs. */
  lift: ReturnType<typeof lift>;
  /** True when the interval excludes zero. */
  significant: boolean;
}

export interface ExperimentReport { control: string | null; controlKind: 'holdout' | 'first_arm' | null; arms: Arm[] }

const NO_PATH = '(no split)';

export function experimentReport(paths: ArmInput[]): ExperimentReport {
  // A path can appear twice (holdout and not) only when definitions changed; sum per name and kind.
  const byArm = new Map<string, { path: string; holdout: boolean; runs: number; conversions: number; revenue: number }>();
  for (const p of paths) {
    const path = p.path ?? NO_PATH;
    const k = `${p.holdout}\u0000${path}`;
    const a = byArm.get(k) ?? { path, holdout: p.holdout, runs: 0, conversions: 0, revenue: 0 };
    a.runs += p.runs; a.conversions += p.conversions; a.revenue += p.revenue;
    byArm.set(k, a);
  }
  const arms = [...byArm.values()].map(a => ({ ...a, rate: a.runs ? a.conversions / a.runs : 0 }));
  const holdouts = arms.filter(a => a.holdout);
  const firstArm = !holdouts.length && arms.length > 1 ? arms[0] : null;
  const controlRate: Rate | null = holdouts.length ? sum(holdouts) : firstArm;
  const controlName = holdouts.length ? holdouts.map(h => h.path).join(' + ') : firstArm?.path ?? null;
  return {
    control: controlName,
    controlKind: holdouts.length ? 'holdout' : controlRate ? 'first_arm' : null,
    arms: arms.map(a => {
      const isControl = a.holdout || (!holdouts.length && controlRate !== null && a.path === controlName);
      const l = isControl || !controlRate ? null : lift(a, controlRate);
      return { ...a, control: isControl, lift: l, significant: l !== null && (l.ci95[0] > 0 || l.ci95[1] < 0) };
    }),
  };
}

function sum(rows: Rate[]): Rate {
  const runs = rows.reduce((s, r) => s + r.runs, 0), conversions = rows.reduce((s, r) => s + r.conversions, 0);
  return { runs, conversions, rate: runs ? conversions / runs : 0, revenue: rows.reduce((s, r) => s + r.revenue, 0) };
}
