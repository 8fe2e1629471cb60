import type { toQuery } from './StepEditor.tsx';

/** The funnels endpoint: what the console asks (POST /analytics/funnels) and the steps it answers with. */
export interface FunnelQuery { from: string; to: string; steps: ReturnType<typeof toQuery>; window: string }
export interface FunnelStep { step: number; event: string; entered: number; conversionFromPrevious: number; conversionFromFirst: number; dropOff: number; medianSecondsFromPrevious: number | null }
