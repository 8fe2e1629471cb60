// The configuration form of one step, by type.
import { CHANNELS, PLATFORMS, WEEKDAYS, type Obj, type Step } from './model.ts';
import { Checks, JsonText, ListText, NextSelect, Select, Text, withField, type Ctx } from './fields.tsx';

type Props = { step: Step; onChange: (s: Step) => void; ctx: Ctx };
type Row = Obj & { next?: string };

/** Edits one item of an array field of the step. */
const itemSetter = <T extends Obj>(step: Step, key: string, onChange: (s: Step) => void) => {
  const list = (Array.isArray(step[key]) ? step[key] : []) as T[];
  return {
    list,
    set: (i: number, v: T) => onChange({ ...step, [key]: list.map((x, j) => (j === i ? v : x)) }),
    add: (v: T) => onChange({ ...step, [key]: [...list, v] }),
    remove: (i: number) => onChange({ ...step, [key]: list.filter((_, j) => j !== i) }),
  };
};

function WaitForm({ step, onChange, ctx }: Props) {
  const until = step.until as { local_time?: string; days?: string[]; at?: string } | undefined;
  const mode = step.for !== undefined ? 'for' : until?.at !== undefined ? 'at' : until ? 'local' : 'for';
  const base: Step = { type: 'wait', next: step.next };
  return (
    <>
      <Select label="Wait" value={mode} disabled={ctx.disabled} options={[['for', 'for a while'], ['local', 'until a local time'], ['at', 'until a date and time']]}
        onChange={m => onChange(m === 'for' ? { ...base, for: '1d' } : m === 'local' ? { ...base, until: { local_time: '10:00' } } : { ...base, until: { at: '' } })} />
      {mode === 'for' && <Text label="Duration" value={step.for} disabled={ctx.disabled} hint='e.g. "30m", "2h", "3d", "2w"' onChange={v => onChange({ ...step, for: v })} />}
      {mode === 'local' && <>
        <Text label="Local time" value={until?.local_time} disabled={ctx.disabled} hint="24-hour HH:MM in the customer's time zone" onChange={v => onChange({ ...step, until: { ...until, local_time: v } })} />
        <Checks label="Only on" all={WEEKDAYS} value={(until?.days ?? []) as (typeof WEEKDAYS)[number][]} disabled={ctx.disabled}
          onChange={d => onChange({ ...step, until: withField({ local_time: until?.local_time ?? '' }, 'days', d.length ? d : undefined) })} />
      </>}
      {mode === 'at' && <Text label="Date and time" value={until?.at} disabled={ctx.disabled} placeholder="2026-11-27T09:00:00-05:00" onChange={v => onChange({ ...step, until: { at: v } })} />}
      <NextSelect label="Then" value={step.next} ctx={ctx} onChange={v => onChange({ ...step, next: v })} />
    </>
  );
}

function WaitEventForm({ step, onChange, ctx }: Props) {
  const ev = itemSetter<Row & { event?: string; where?: unknown[] }>(step, 'events', onChange);
  return (
    <>
      {ev.list.map((e, i) => (
        <div className="jgroup" key={i}>
          <Text label={`Event ${i + 1}`} value={e.event} disabled={ctx.disabled} placeholder="Order Completed" onChange={v => ev.set(i, { ...e, event: v })} />
          <JsonText label={`Event ${i + 1} filters (where)`} value={e.where} optional disabled={ctx.disabled} rows={2} hint='[{"property": "total", "op": "gt", "value": 100}]'
            onChange={v => ev.set(i, withField(e, 'where', v))} />
          <NextSelect label={`After event ${i + 1}, go to`} value={e.next} ctx={ctx} onChange={v => ev.set(i, { ...e, next: v })} />
          {ev.list.length > 1 && !ctx.disabled && <button className="link" onClick={() => ev.remove(i)}>Remove event {i + 1}</button>}
        </div>
      ))}
      {!ctx.disabled && <button onClick={() => ev.add({ event: '', next: String(step.on_timeout ?? '') })}>Add an event</button>}
      <Text label="Timeout" value={step.timeout} disabled={ctx.disabled} hint="how long to wait for any of these events" onChange={v => onChange({ ...step, timeout: v })} />
      <NextSelect label="Everyone else goes to" value={step.on_timeout} ctx={ctx} onChange={v => onChange({ ...step, on_timeout: v })} />
    </>
  );
}

function SendForm({ step, onChange, ctx }: Props) {
  const list = Array.isArray(step.channel) ? step.channel as string[] : null;
  const mode = list ? 'list' : String(step.channel ?? '');
  const tpl = typeof step.template === 'string' ? step.template : '';
  return (
    <>
      <Select label="Channel" value={mode} disabled={ctx.disabled} options={[...CHANNELS.map((c): [string, string] => [c, c]), ['best', 'best (their preferred channel)'], ['list', 'several, in order (fallback)']]}
        onChange={v => onChange(withField({ ...step, channel: v === 'list' ? ['email', 'sms'] : v }, 'fallback_after', v === 'list' ? step.fallback_after : undefined))} />
      {list && <ListText label="Channels in order" value={list} disabled={ctx.disabled} hint="comma separated, e.g. push, email, sms"
        onChange={v => onChange({ ...step, channel: v })} />}
      {typeof step.template === 'string' || step.template === undefined
        ? <Text label="Template" value={tpl} disabled={ctx.disabled} list="jtemplates" placeholder="template key" onChange={v => onChange({ ...step, template: v })} />
        : <JsonText label="Templates per channel" value={step.template} disabled={ctx.disabled} onChange={v => onChange({ ...step, template: v as string })} />}
      <datalist id="jtemplates">{ctx.templates.map(t => <option key={t} value={t} />)}</datalist>
      {list && <Text label="Fall back after" value={step.fallback_after} disabled={ctx.disabled} hint="no engagement within this long: try the next channel (leave empty to send once on the first reachable)"
        onChange={v => onChange(withField(step, 'fallback_after', v))} />}
      <Select label="Purpose" value={String(step.purpose ?? 'marketing')} disabled={ctx.disabled} options={[['marketing', 'marketing'], ['transactional', 'transactional (skips caps and quiet hours)']]}
        onChange={v => onChange({ ...step, purpose: v })} />
      <JsonText label="Offer" value={step.offer} optional disabled={ctx.disabled} hint='passed to the template, e.g. {"code": "SLEEP100", "amount": 100}' onChange={v => onChange(withField(step, 'offer', v))} />
      <NextSelect label="Then" value={step.next} ctx={ctx} onChange={v => onChange({ ...step, next: v })} />
    </>
  );
}

function BranchForm({ step, onChange, ctx }: Props) {
  const cs = itemSetter<Row & { if?: unknown }>(step, 'cases', onChange);
  return (
    <>
      {cs.list.map((c, i) => (
        <div className="jgroup" key={i}>
          <JsonText label={`Case ${i + 1} condition`} value={c.if} disabled={ctx.disabled} hint='e.g. {"trait": "vip", "op": "eq", "value": true}' onChange={v => cs.set(i, { ...c, if: v })} />
          <NextSelect label={`If case ${i + 1}, go to`} value={c.next} ctx={ctx} onChange={v => cs.set(i, { ...c, next: v })} />
          {cs.list.length > 1 && !ctx.disabled && <button className="link" onClick={() => cs.remove(i)}>Remove case {i + 1}</button>}
        </div>
      ))}
      {!ctx.disabled && <button onClick={() => cs.add({ if: null, next: String(step.else ?? '') })}>Add a case</button>}
      <NextSelect label="Else go to" value={step.else} ctx={ctx} onChange={v => onChange({ ...step, else: v })} />
    </>
  );
}

function SplitForm({ step, onChange, ctx }: Props) {
  const ps = itemSetter<Row & { percent?: number; holdout?: boolean }>(step, 'paths', onChange);
  const total = ps.list.reduce((a, p) => a + (Number(p.percent) || 0), 0);
  return (
    <>
      {ps.list.map((p, i) => (
        <div className="jgroup" key={i}>
          <Text label={`Path ${i + 1} percent`} value={p.percent} disabled={ctx.disabled} onChange={v => ps.set(i, { ...p, percent: v === '' ? undefined : Number(v) })} />
          <label className="jinline"><input type="checkbox" disabled={ctx.disabled} checked={!!p.holdout}
            onChange={e => ps.set(i, e.target.checked ? { percent: p.percent, holdout: true } : { percent: p.percent, next: ctx.stepIds.find(id => id !== ctx.self) ?? ctx.newExit })} /> holdout (control group: receives nothing)</label>
          {!p.holdout && <NextSelect label={`Path ${i + 1} goes to`} value={p.next} ctx={ctx} onChange={v => ps.set(i, { ...p, next: v })} />}
          {ps.list.length > 2 && !ctx.disabled && <button className="link" onClick={() => ps.remove(i)}>Remove path {i + 1}</button>}
        </div>
      ))}
      <p className={total === 100 ? 'muted' : 'jfield-error'}>Percents add up to {total}{total === 100 ? '' : ', not 100'}.</p>
      {!ctx.disabled && <button onClick={() => ps.add({ percent: 0, next: ps.list.find(p => p.next)?.next ?? ctx.newExit })}>Add a path</button>}
    </>
  );
}

function AudienceForm({ step, onChange, ctx }: Props) {
  const add = step.action !== 'remove';
  const cap = step.frequency_cap as { max?: number; per?: string } | undefined;
  return (
    <>
      <Select label="Action" value={String(step.action ?? 'add')} disabled={ctx.disabled} options={[['add', 'add to audience'], ['remove', 'remove from audience']]}
        onChange={v => onChange(v === 'remove' ? { type: 'audience', action: 'remove', audience: step.audience, ...(step.platforms ? { platforms: step.platforms } : {}), next: step.next } : { ...step, action: v })} />
      <Text label="Audience" value={step.audience} disabled={ctx.disabled} placeholder="mattress-100" onChange={v => onChange({ ...step, audience: v })} />
      <Checks label="Platforms (none ticked: every connected platform)" all={PLATFORMS} value={(step.platforms ?? []) as (typeof PLATFORMS)[number][]} disabled={ctx.disabled}
        onChange={v => onChange(withField(step, 'platforms', v.length ? v : undefined))} />
      {add && <>
        <Text label="Remove again after" value={step.for} disabled={ctx.disabled} hint="optional duration" onChange={v => onChange(withField(step, 'for', v))} />
        <Text label="Frequency cap: at most" value={cap?.max} disabled={ctx.disabled}
          onChange={v => onChange(withField(step, 'frequency_cap', v === '' ? undefined : { max: Number(v), per: cap?.per ?? '1d' }))} />
        {cap && <Text label="Frequency cap: per" value={cap.per} disabled={ctx.disabled} onChange={v => onChange({ ...step, frequency_cap: { ...cap, per: v } })} />}
        <JsonText label="Offer" value={step.offer} optional disabled={ctx.disabled} onChange={v => onChange(withField(step, 'offer', v))} />
      </>}
      <NextSelect label="Then" value={step.next} ctx={ctx} onChange={v => onChange({ ...step, next: v })} />
    </>
  );
}

export function StepForm(props: Props) {
  const { step, onChange, ctx } = props;
  switch (step.type) {
    case 'wait': return <WaitForm {...props} />;
    case 'wait_event': return <WaitEventForm {...props} />;
    case 'send': return <SendForm {...props} />;
    case 'branch': return <BranchForm {...props} />;
    case 'split': return <SplitForm {...props} />;
    case 'audience': return <AudienceForm {...props} />;
    case 'update': return (
      <>
        <JsonText label="Traits" value={step.traits} disabled={ctx.disabled} hint='merged into the profile; null removes a trait, e.g. {"vip": true}' onChange={v => onChange({ ...step, traits: v })} />
        <NextSelect label="Then" value={step.next} ctx={ctx} onChange={v => onChange({ ...step, next: v })} />
      </>
    );
    case 'webhook': return (
      <>
        <Text label="URL" value={step.url} disabled={ctx.disabled} placeholder="https://example.com/hook" onChange={v => onChange({ ...step, url: v })} />
        <Select label="Method" value={String(step.method ?? 'POST')} disabled={ctx.disabled} options={[['POST', 'POST'], ['PUT', 'PUT'], ['PATCH', 'PATCH']]} onChange={v => onChange({ ...step, method: v })} />
        <JsonText label="Headers" value={step.headers} optional disabled={ctx.disabled} onChange={v => onChange(withField(step, 'headers', v))} />
        <JsonText label="Body" value={step.body} optional disabled={ctx.disabled} hint="sent as JSON with the profile and run ids" onChange={v => onChange(withField(step, 'body', v))} />
        <NextSelect label="Then" value={step.next} ctx={ctx} onChange={v => onChange({ ...step, next: v })} />
      </>
    );
    case 'exit': return <p className="muted">The run ends here.</p>;
  }
}
