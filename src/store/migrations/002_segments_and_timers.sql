-- Durable timers: whatever must happen at a time (a segment window expiring, a journey
-- wait ending) is a row here until it fires. Firing turns it into an internal event in the
-- log in the same statement, so it happens exactly once and in order with the profile's
-- other events.
create table timers (
  id text primary key,
  workspace_id text not null,
  profile_id text not null,
  due_at timestamptz not null,
  kind text not null,
  payload jsonb not null default '{}'
);
create index timers_due on timers (due_at);
create index timers_profile on timers (profile_id);

create table segments (
  id text primary key,
  workspace_id text not null,
  name text not null,
  description text,
  condition jsonb not null,
  -- computing: a (re)compute over every profile is running; ready: membership is current
  status text not null default 'computing',
  progress jsonb not null default '{"done": 0, "total": 0}',
  version integer not null default 1,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index segments_workspace on segments (workspace_id);

create table segment_members (
  segment_id text not null,
  profile_id text not null,
  since timestamptz not null,
  primary key (segment_id, profile_id)
);
create index segment_members_profile on segment_members (profile_id);

create table segment_history (
  id bigint generated always as identity primary key,
  segment_id text not null,
  profile_id text not null,
  entered_at timestamptz not null,
  exited_at timestamptz
);
create index segment_history_open on segment_history (segment_id, profile_id) where exited_at is null;
create index segment_history_profile on segment_history (profile_id);

create table computed_traits (
  id text primary key,
  workspace_id text not null,
  name text not null,
  definition jsonb not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (workspace_id, name)
);

alter table profiles add column computed jsonb not null default '{}';

-- Background jobs the pipeline interleaves with its batches (segment computes), so every
-- write to profiles and memberships still comes from one writer.
create table pipeline_jobs (
  id text primary key,
  workspace_id text not null,
  kind text not null,
  state jsonb not null,
  created_at timestamptz not null
);
