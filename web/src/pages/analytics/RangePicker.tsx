export interface DateRange { from: string; to: string }

const day = (d: Date) => d.toISOString().slice(0, 10);
const daysAgo = (n: number) => day(new Date(Date.now() - n * 86_400_000));

export const defaultRange = (): DateRange => ({ from: daysAgo(29), to: day(new Date()) });

const PRESETS: [string, number][] = [['7 days', 6], ['30 days', 29], ['90 days', 89], ['1 year', 364]];

/** From and to are whole days (UTC); `to` is inclusive, as the API reads a date. */
export function RangePicker({ value, onChange }: { value: DateRange; onChange: (r: DateRange) => void }) {
  return (
    <div className="range row" role="group" aria-label="Date range">
      <label>From <input type="date" aria-label="From" value={value.from} max={value.to} onChange={e => e.target.value && onChange({ ...value, from: e.target.value })} /></label>
      <label>to <input type="date" aria-label="To" value={value.to} min={value.from} onChange={e => e.target.value && onChange({ ...value, to: e.target.value })} /></label>
      {PRESETS.map(([label, n]) => (
        <button key={label} type="button" className={value.from === daysAgo(n) && value.to === day(new Date()) ? 'on' : ''}
          onClick={() => onChange({ from: daysAgo(n), to: day(new Date()) })}>{label}</button>
      ))}
    </div>
  );
}
