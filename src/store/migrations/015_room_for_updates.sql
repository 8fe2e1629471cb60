-- A journey run's row is rewritten at every step. Room left on each page lets Postgres
-- update it in place (a HOT update: no new index entries) when no indexed column changes,
-- which is the common case: a run moving between steps while it stays active. Applies to
-- pages written from now on.
alter table journey_runs set (fillfactor = 75);
