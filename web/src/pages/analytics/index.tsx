import { useState } from 'react';
import { Navigate, NavLink, Route, Routes } from 'react-router';
import { Attribution } from './Attribution.tsx';
import { Funnels } from './Funnels.tsx';
import { JourneyMap } from './JourneyMap.tsx';
import { Experiments } from './Experiments.tsx';
import { Revenue } from './Revenue.tsx';
import { RangePicker, defaultRange, type DateRange } from './RangePicker.tsx';
import './analytics.css';

const TABS: [string, string][] = [
  ['attribution', 'Attribution'], ['funnels', 'Funnels'], ['map', 'Journey map'], ['experiments', 'Journeys & experiments'], ['revenue', 'Revenue'],
];

export default function AnalyticsPage() {
  // One range for every report, so switching tabs compares the same period.
  const [range, setRange] = useState<DateRange>(defaultRange);
  return (
    <div className="analytics">
      <div className="an-head">
        <h1>Analytics</h1>
        <RangePicker value={range} onChange={setRange} />
      </div>
      <nav className="tabs" aria-label="Reports">
        {TABS.map(([to, label]) => <NavLink key={to} to={`/analytics/${to}`}>{label}</NavLink>)}
      </nav>
      <Routes>
        <Route index element={<Navigate to="/analytics/attribution" replace />} />
        <Route path="attribution" element={<Attribution range={range} />} />
        <Route path="funnels" element={<Funnels range={range} />} />
        <Route path="map" element={<JourneyMap range={range} />} />
        <Route path="experiments" element={<Experiments />} />
        <Route path="revenue" element={<Revenue range={range} />} />
      </Routes>
    </div>
  );
}
