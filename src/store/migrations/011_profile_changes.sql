-- Profiles changed outside the pipeline (a deletion): the pipeline keeps hot profiles,
-- identities and event histories in memory between batches, and drops the ones named here
-- (consuming the rows) at the start of its next batch, inside that batch's transaction.
create table profile_changes (
  id bigserial primary key,
  profile_id text not null,
  at timestamptz not null default now()
);

-- Every batch rewrites the rows of the profiles it touched. Room on each page lets Postgres
-- keep the new version on the same page without touching the indexes (a HOT update).
alter table profiles set (fillfactor = 70);
