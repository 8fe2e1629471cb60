-- Workspaces (tenants), keys, the event log, the identity graph and profiles.

create table workspaces (
  id text primary key,
  name text not null,
  -- identity rules, default channel region for phone numbers, ...
  settings jsonb not null default '{}',
  created_at timestamptz not null default now()
);

create table api_keys (
  id text primary key,
  workspace_id text not null references workspaces(id),
  kind text not null check (kind in ('write', 'admin')),
  name text not null,
  -- write keys: the source they stand for (web, app, pos, server...) and its default channel
  source text,
  channel text,
  -- sha256 of the key; the key itself is never stored
  key_hash text not null unique,
  -- first characters, to tell keys apart in listings
  prefix text not null,
  -- events per second; null means the server default
  rate_limit integer,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
create index api_keys_workspace on api_keys (workspace_id);

-- The event log: append-only. An accepted event is a row here before its 2xx. Appends
-- are serialised (an advisory lock held to commit), so seq order is commit order and the
-- pipeline's progress is one number: pipeline_state.processed_seq.
create table events (
  seq bigint generated always as identity primary key,
  workspace_id text not null,
  message_id text not null,
  type text not null,
  name text,
  channel text not null,
  user_id text,
  anonymous_id text,
  ts timestamptz not null,
  received_at timestamptz not null,
  source_id text,
  -- properties, traits, context, previousId, groupId
  body jsonb not null,
  -- dedupe: one row per messageId per workspace, kept as long as the event is
  unique (workspace_id, message_id)
);
create index events_workspace_name_time on events (workspace_id, name, ts);

create table pipeline_state (
  stream text primary key,
  -- every event with seq <= processed_seq has been processed (or dropped)
  processed_seq bigint not null
);

-- Which profile each processed event belongs to: narrow and insert-only, so processing
-- never rewrites the wide event rows; merges move rows to the survivor.
create table profile_events (
  profile_id text not null,
  ts timestamptz not null,
  seq bigint not null,
  primary key (profile_id, ts, seq)
);

create table profiles (
  id text primary key,
  workspace_id text not null,
  traits jsonb not null default '{}',
  trait_times jsonb not null default '{}',
  channels jsonb not null default '{}',
  consent jsonb not null default '{}',
  seen jsonb not null default '{}',
  timezone text,
  last_location jsonb,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  -- set when merged away: the id still resolves, to the survivor
  merged_into text
);
create index profiles_workspace on profiles (workspace_id) where merged_into is null;
create index profiles_merged_into on profiles (merged_into) where merged_into is not null;

create table identities (
  workspace_id text not null,
  type text not null,
  value text not null,
  profile_id text not null,
  first_seen timestamptz not null,
  primary key (workspace_id, type, value)
);
create index identities_profile on identities (profile_id);

create table merges (
  id bigint generated always as identity primary key,
  workspace_id text not null,
  survivor_id text not null,
  merged_id text not null,
  -- the identifier that joined them, and the event that carried it
  via_type text not null,
  via_value text not null,
  message_id text,
  at timestamptz not null
);
create index merges_survivor on merges (survivor_id);

-- A merge refused because it would break a per-type limit (two user_ids on one person).
create table identity_conflicts (
  id bigint generated always as identity primary key,
  workspace_id text not null,
  profile_id text not null,
  left_out_type text not null,
  left_out_value text not null,
  other_profile_id text,
  reason text not null,
  message_id text,
  at timestamptz not null
);
create index identity_conflicts_profile on identity_conflicts (profile_id);

-- Identifiers of deleted profiles (right to be forgotten), stored hashed: later events
-- naming them are dropped without keeping the identifier itself.
create table suppressed_identifiers (
  workspace_id text not null,
  type text not null,
  value_hash text not null,
  created_at timestamptz not null default now(),
  primary key (workspace_id, type, value_hash)
);

-- An event the pipeline could not process even on its own (a bug, not bad input: bad
-- input never gets past ingest). Kept whole so nothing accepted is lost; replayable.
create table dead_events (
  seq bigint primary key,
  workspace_id text not null,
  message_id text not null,
  row jsonb not null,
  error text not null,
  at timestamptz not null default now()
);
