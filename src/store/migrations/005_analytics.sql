-- Analytics: the channel taxonomy that turns stored events into touchpoints, and ad spend.

-- One document per workspace: ordered rules (first match wins), per-channel flags
-- (offline), the conversion event and the session gap. No row means the built-in
-- defaults, so an upgrade that improves the defaults reaches every workspace that never
-- customised them.
create table analytics_taxonomies (
  workspace_id text primary key,
  taxonomy jsonb not null,
  updated_at timestamptz not null
);

-- Spend per day, channel and campaign ('' when none). Importing the same day, channel
-- and campaign again replaces the amount, so re-importing a corrected export is safe.
create table spend (
  workspace_id text not null,
  day date not null,
  channel text not null,
  campaign text not null default '',
  amount numeric not null check (amount >= 0),
  -- ISO 4217; null means the workspace's own currency
  currency text,
  imported_at timestamptz not null,
  primary key (workspace_id, day, channel, campaign)
);

-- Touchpoints as the taxonomy named them, one row per event that is one: classification
-- reads JSON bodies, URLs and referrers and is most of a report's cost, so each event is
-- classified once, not in every report. Narrow on purpose (no profile, no body): merges
-- move events between profiles, so reports join profile_events for the current owner.
create table analytics_touches (
  seq bigint primary key,
  workspace_id text not null,
  ts timestamptz not null,
  channel text not null
);
create index analytics_touches_time on analytics_touches (workspace_id, ts);

-- How far each workspace's events are classified, and under which rules: a change of
-- rules (an edit, or new built-in defaults) starts the workspace over.
create table analytics_touch_state (
  workspace_id text primary key,
  rules_hash text not null,
  classified_seq bigint not null
);
