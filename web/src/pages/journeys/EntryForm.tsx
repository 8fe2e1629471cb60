// The entry node's form: how profiles enter, when they may enter again, the goal, exit
// events, and the journey's name and priority.
import type { Definition, EventMatch } from './model.ts';
import { JsonText, ListText, Select, Text, withField } from './fields.tsx';

export function EntryForm({ def, onChange, disabled }: { def: Definition; onChange: (d: Definition) => void; disabled: boolean }) {
  const entry = def.entry as EventMatch & { segment?: string };
  const bySegment = entry.segment !== undefined;
  const reentry = def.reentry ?? 'never';
  const reMode = typeof reentry === 'object' ? 'after' : reentry;
  return (
    <>
      <Text label="Journey name" value={def.name} disabled={disabled} onChange={v => onChange({ ...def, name: v })} />
      <Text label="Description" value={def.description} disabled={disabled} onChange={v => onChange(withField(def, 'description', v))} />
      <Select label="Profiles enter" value={bySegment ? 'segment' : 'event'} disabled={disabled} options={[['event', 'when they do an event'], ['segment', 'when they enter a segment']]}
        onChange={v => onChange({ ...def, entry: v === 'segment' ? { segment: '' } : { event: '' } })} />
      {bySegment
        ? <Text label="Segment id" value={entry.segment} disabled={disabled} onChange={v => onChange({ ...def, entry: { segment: v } })} />
        : <>
          <Text label="Entry event" value={entry.event} disabled={disabled} placeholder="Product Added" onChange={v => onChange({ ...def, entry: { ...entry, event: v } })} />
          <JsonText label="Entry event filters (where)" value={entry.where} optional disabled={disabled} rows={2} hint='[{"property": "category", "op": "eq", "value": "mattress"}]'
            onChange={v => onChange({ ...def, entry: withField(entry, 'where', v) })} />
        </>}
      <Select label="May enter again" value={reMode} disabled={disabled} options={[['never', 'never'], ['after_exit', 'after their previous run ended'], ['after', 'after a while since their last entry']]}
        onChange={v => onChange({ ...def, reentry: v === 'after' ? { after: '30d' } : v as 'never' | 'after_exit' })} />
      {typeof reentry === 'object' && <Text label="Again after" value={reentry.after} disabled={disabled} onChange={v => onChange({ ...def, reentry: { after: v } })} />}
      <Text label="Goal event" value={def.goal?.event} disabled={disabled} placeholder="Order Completed" hint="reaching it ends the run as a conversion; leave empty for none"
        onChange={v => onChange(withField(def, 'goal', v ? { ...def.goal, event: v } : undefined))} />
      {def.goal && <Text label="Goal counts within" value={def.goal.within} disabled={disabled} hint="default 30d after entry" onChange={v => onChange({ ...def, goal: withField({ ...def.goal!, event: def.goal!.event }, 'within', v) })} />}
      <ListText label="Exit events" value={(def.exit ?? []).map(e => e.event)} disabled={disabled} hint="comma separated; any of them ends the run at once"
        onChange={names => onChange(withField(def, 'exit', names.length ? names.map(event => ({ event })) : undefined))} />
      <Text label="Priority" value={def.priority ?? 0} disabled={disabled} hint="0–100; wins over lower priorities when the contact policy must choose"
        onChange={v => onChange({ ...def, priority: v === '' ? 0 : Number(v) })} />
    </>
  );
}
