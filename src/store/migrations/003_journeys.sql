-- Journeys: drafts, immutable published versions, one run per (journey version, profile)
-- entry, a log of step transitions for the per-step counts, and ad-audience membership.

create table journeys (
  id text primary key,
  workspace_id text not null,
  name text not null,
  -- draft: never published; active; paused: no new entries, runs wait; archived: runs ended
  status text not null default 'draft',
  draft jsonb not null,
  -- latest published version; 0 = none yet
  version integer not null default 0,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index journeys_workspace on journeys (workspace_id);

create table journey_versions (
  journey_id text not null,
  version integer not null,
  definition jsonb not null,
  published_at timestamptz not null,
  primary key (journey_id, version)
);

create table journey_runs (
  id text primary key,
  workspace_id text not null,
  journey_id text not null,
  version integer not null,
  profile_id text not null,
  -- active | completed | converted | exited
  status text not null,
  step text,
  -- what the run waits for at its step: timer, events, message engagement
  waiting jsonb,
  -- split path taken (e.g. "ab:0"), and whether it is in a holdout
  path text,
  holdout boolean not null default false,
  entered_at timestamptz not null,
  goal_until timestamptz,
  ended_at timestamptz,
  end_reason text,
  converted_at timestamptz,
  revenue numeric not null default 0
);
create index journey_runs_active on journey_runs (profile_id) where status = 'active';
create index journey_runs_journey on journey_runs (journey_id, version, status);
create index journey_runs_profile_journey on journey_runs (profile_id, journey_id, entered_at desc);

create table journey_step_log (
  id bigint generated always as identity primary key,
  journey_id text not null,
  version integer not null,
  run_id text not null,
  profile_id text not null,
  step_id text not null,
  -- entered | left
  action text not null,
  detail text,
  at timestamptz not null
);
create index journey_step_log_journey on journey_step_log (journey_id, step_id, action);
create index journey_step_log_run on journey_step_log (run_id);

create table audience_memberships (
  id bigint generated always as identity primary key,
  workspace_id text not null,
  audience text not null,
  profile_id text not null,
  journey_id text,
  run_id text,
  platforms jsonb not null default '[]',
  offer jsonb,
  frequency_cap jsonb,
  added_at timestamptz not null,
  removed_at timestamptz,
  removed_reason text,
  -- when the platforms last received this change (the audience sync sets it)
  synced_at timestamptz
);
create index audience_memberships_open on audience_memberships (workspace_id, audience) where removed_at is null;
create index audience_memberships_profile on audience_memberships (profile_id);

create table contact_policies (
  workspace_id text primary key,
  policy jsonb not null,
  updated_at timestamptz not null
);
