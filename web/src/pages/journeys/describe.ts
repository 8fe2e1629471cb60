// One line per step for its node on the canvas.
import { describeCondition } from './graph.ts';
import { short, type Definition, type Step } from './model.ts';

const str = (v: unknown) => (typeof v === 'string' && v ? v : '?');

export function summary(s: Step): string {
  switch (s.type) {
    case 'wait': {
      if (s.for) return `for ${String(s.for)}`;
      const u = s.until as { local_time?: string; days?: string[]; at?: string } | undefined;
      if (u?.local_time) return `until ${u.local_time} local${u.days?.length ? ` on ${u.days.join(', ')}` : ''}`;
      if (u?.at) return `until ${u.at}`;
      return 'how long?';
    }
    case 'wait_event': {
      const evs = (s.events as { event?: string }[] | undefined) ?? [];
      return `${evs.map(e => e.event || '?').join(' or ')} within ${str(s.timeout)}`;
    }
    case 'send': {
      const ch = Array.isArray(s.channel) ? (s.channel as string[]).join(' → ') : str(s.channel);
      const tpl = typeof s.template === 'string' ? (s.template || 'no template yet') : Object.values(s.template as Record<string, string>).join(', ');
      return `${ch} · ${tpl}`;
    }
    case 'branch': return `${(s.cases as { if?: unknown }[] | undefined)?.map(c => describeCondition(c.if)).join(' / ') ?? ''}`;
    case 'split': return ((s.paths as { percent?: number; holdout?: boolean }[] | undefined) ?? []).map(p => `${p.percent ?? '?'}%${p.holdout ? ' holdout' : ''}`).join(' / ');
    case 'audience': return `${str(s.action)} ${s.audience ? String(s.audience) : '(audience?)'}${s.for ? ` for ${String(s.for)}` : ''}`;
    case 'update': return short(s.traits, 34);
    case 'webhook': return `${str(s.method ?? 'POST')} ${s.url ? short(s.url, 28) : '(url?)'}`;
    case 'exit': return 'the run ends';
  }
}

export function entrySummary(def: Definition): string {
  const e = def.entry as { event?: string; segment?: string };
  const trigger = e.segment ? `enters segment ${e.segment}` : `on ${e.event || '?'}`;
  return def.goal?.event ? `${trigger} · goal ${def.goal.event}` : trigger;
}
