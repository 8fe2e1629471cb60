/**
 * Publishing is stricter than saving a draft: a draft may leave a template or an audience
 * unchosen while the marketer edits, a published journey may not, and everything it
 * names must exist.
 */
import { invalid, parseCondition, dependsOn } from './deps.ts';
import { SEND_CHANNELS, type JourneyDefinition, type SendChannel, type SendStep } from './types.ts';
import { parseJourney } from './parse.ts';

export interface PublishChecks {
  /** True when the workspace has template `key` for `channel`. */
  templateExists(key: string, channel: SendChannel): boolean;
  /** True when the segment exists; without it segment ids are not checked. */
  segmentExists?(id: string): boolean;
}

export interface TemplateRef {
  step: string;
  /** "best" when the step sends on the profile's preferred channel. */
  channel: SendChannel | 'best';
  key: string;
}

/** The template key a send step uses on `channel`, if any. */
export function templateFor(step: SendStep, channel: SendChannel): string | undefined {
  if (typeof step.template === 'string') return step.template;
  return Object.hasOwn(step.template, channel) ? step.template[channel] : undefined;
}

/** Every (step, channel, template) a journey sends, in step order. */
export function referencedTemplates(def: JourneyDefinition): TemplateRef[] {
  const out: TemplateRef[] = [];
  for (const [id, step] of Object.entries(def.steps)) {
    if (step.type !== 'send') continue;
    if (typeof step.template !== 'string') {
      for (const [channel, key] of Object.entries(step.template)) out.push({ step: id, channel: channel as SendChannel, key: key as string });
    } else {
      const channels = Array.isArray(step.channel) ? step.channel : [step.channel];
      for (const channel of channels) out.push({ step: id, channel, key: step.template });
    }
  }
  return out;
}

/** Segment ids the journey reads: its entry segment and those in branch conditions, each once. */
export function referencedSegments(def: JourneyDefinition): string[] {
  const ids: string[] = [];
  if ('segment' in def.entry) ids.push(def.entry.segment);
  for (const step of Object.values(def.steps)) {
    if (step.type === 'branch') for (const c of step.cases) ids.push(...dependsOn(c.if));
  }
  return [...new Set(ids)];
}

/** Parses the journey, then refuses what may be left open in a draft but not in a live journey. */
export function validateForPublish(input: unknown, checks: PublishChecks): JourneyDefinition {
  const def = parseJourney(input);
  for (const ref of referencedTemplates(def)) {
    const step = def.steps[ref.step] as SendStep;
    const path = typeof step.template === 'string' ? `steps.${ref.step}.template` : `steps.${ref.step}.template.${ref.channel}`;
    if (ref.key.trim() === '') throw invalid(path, 'choose a template before publishing');
    if (ref.channel === 'best') {
      // The engine picks the preferred channel among those the template exists for.
      if (!SEND_CHANNELS.some(c => checks.templateExists(ref.key, c))) throw invalid(path, `template ${JSON.stringify(ref.key)} does not exist on any channel`);
    } else if (!checks.templateExists(ref.key, ref.channel)) {
      throw invalid(path, `template ${JSON.stringify(ref.key)} does not exist for channel "${ref.channel}"`);
    }
  }
  for (const [id, step] of Object.entries(def.steps)) {
    if (step.type === 'audience' && step.audience.trim() === '') throw invalid(`steps.${id}.audience`, 'choose an audience before publishing');
  }
  const { segmentExists } = checks;
  if (segmentExists) {
    if ('segment' in def.entry && !segmentExists(def.entry.segment)) throw invalid('entry.segment', `unknown segment ${JSON.stringify(def.entry.segment)}`);
    for (const [id, step] of Object.entries(def.steps)) {
      if (step.type === 'branch') step.cases.forEach((c, i) => parseCondition(c.if, `steps.${id}.cases.${i}.if`, { knownSegments: segmentExists }));
    }
  }
  return def;
}
