-- A run that loops (a weekly reminder that waits, sends and waits again) would otherwise grow
-- its trail without end, and every save rewrites the whole trail. Past a cap the oldest entries
-- leave the trail and are folded into trail_tally: per step, how many times the run entered and
-- left it, so which steps a run went through (per-step conversions, the customer's export)
-- stays known while the trail keeps only the recent steps.
-- Null until the run's trail is first trimmed. Shape: {"step_id": [entered, left], ...}.
alter table journey_runs add column trail_tally jsonb;
