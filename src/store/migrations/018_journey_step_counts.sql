-- Per journey and step: how many times runs entered and left it, kept as the pipeline writes
-- the transitions (in the same transaction as the runs' trails), so a journey's step stats
-- read a row per step instead of every trail entry of every run it ever had.
create table journey_step_counts (
  workspace_id text not null,
  journey_id text not null,
  step_id text not null,
  entered bigint not null default 0,
  "left" bigint not null default 0,
  primary key (journey_id, step_id)
);

insert into journey_step_counts (workspace_id, journey_id, step_id, entered, "left")
select workspace_id, journey_id, step_id, sum(entered), sum("left") from (
  select r.workspace_id, r.journey_id, e->>0 as step_id, (e->>1 = 'entered')::int as entered, (e->>1 = 'left')::int as "left"
    from journey_runs r cross join lateral jsonb_array_elements(r.trail) e
  union all
  select r.workspace_id, r.journey_id, t.key, (t.value->>0)::int, (t.value->>1)::int
    from journey_runs r cross join lateral jsonb_each(r.trail_tally) t where r.trail_tally is not null
) s group by workspace_id, journey_id, step_id;
