-- The pipeline keeps each workspace's compiled segments, computed traits and live journeys
-- in memory and must see edits made by any process. Instead of aggregating those tables on
-- every batch, every change to them bumps one counter row per workspace and kind, which a
-- batch reads by primary key.
create table definition_stamps (
  workspace_id text not null,
  kind text not null,
  stamp bigint not null,
  primary key (workspace_id, kind)
);

create function bump_definition_stamp() returns trigger language plpgsql as $$
declare ws text;
begin
  if tg_op = 'DELETE' then ws := old.workspace_id; else ws := new.workspace_id; end if;
  insert into definition_stamps (workspace_id, kind, stamp) values (ws, tg_argv[0], 1)
  on conflict (workspace_id, kind) do update set stamp = definition_stamps.stamp + 1;
  -- A row moved to another workspace changes that one's definitions too.
  if tg_op = 'UPDATE' and old.workspace_id is distinct from new.workspace_id then
    insert into definition_stamps (workspace_id, kind, stamp) values (old.workspace_id, tg_argv[0], 1)
    on conflict (workspace_id, kind) do update set stamp = definition_stamps.stamp + 1;
  end if;
  return null;
end $$;

-- Only the columns the pipeline reads: a compute's progress updates leave the stamp alone.
create trigger segments_stamp after insert or delete or update of workspace_id, name, condition, status, version on segments
  for each row execute function bump_definition_stamp('segments');
create trigger computed_traits_stamp after insert or update or delete on computed_traits
  for each row execute function bump_definition_stamp('segments');
create trigger journeys_stamp after insert or delete or update of workspace_id, status, version on journeys
  for each row execute function bump_definition_stamp('journeys');
