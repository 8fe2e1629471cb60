-- A run's steps travel with the run: each transition (entered or left a step, with a detail
-- such as "exit event Unsubscribed") is appended to the run's own row, written in the same
-- statement that saves the run, instead of a separate journey_step_log row with three index
-- entries per transition. The per-step counts, the live view and the simulator read trails.
-- Entries: [step_id, 'entered'|'left', epoch ms] with the detail as a fourth element when there is one.
alter table journey_runs add column trail jsonb not null default '[]';

update journey_runs r set trail = l.trail
  from (select run_id,
               jsonb_agg(jsonb_build_array(step_id, action, floor(extract(epoch from at) * 1000)::bigint)
                         || case when detail is null then '[]'::jsonb else jsonb_build_array(detail) end
                         order by id) as trail
          from journey_step_log group by run_id) l
 where l.run_id = r.id;

drop table journey_step_log;
