-- Delivery: ad-audience sync state per platform, and the topics of the preference center.
-- (In-app messages need no table: the outbox row holds the rendered message until the app
-- fetches it, which moves it from `sent` to `delivered`.)

-- Memberships the audience sync has not yet sent: never synced, or removed at or after the
-- last sync. (A removal marked synced gets synced_at past removed_at; see messaging/audiences.)
create index audience_memberships_unsynced on audience_memberships (workspace_id, audience, id)
  where synced_at is null or synced_at <= removed_at;
create index audience_memberships_audience_time on audience_memberships (workspace_id, audience, added_at);

-- One row per audience per ad platform ('facebook': Meta Custom Audiences, 'google':
-- Customer Match) the sync has sent to.
create table audience_sync_targets (
  workspace_id text not null,
  audience text not null,
  platform text not null,
  provider text not null,
  -- the audience's id at the platform (ensureAudience)
  external_id text,
  -- ok | retrying (a retryable error; waits for next_attempt_at) | error (not retryable:
  -- skipped until the channel configuration changes, then backfilled)
  status text not null default 'ok' check (status in ('ok', 'retrying', 'error')),
  -- the channel configuration revision the status was reached with
  revision text,
  attempts integer not null default 0,
  next_attempt_at timestamptz,
  last_error text,
  -- send every open member, not only changes (first sync, after an error, on request)
  needs_backfill boolean not null default true,
  last_synced_at timestamptz,
  added integer not null default 0,
  removed integer not null default 0,
  primary key (workspace_id, audience, platform)
);

-- Topics the preference center offers besides channels, e.g. key "email.newsletter".
create table preference_topics (
  workspace_id text not null,
  key text not null,
  label text not null,
  description text,
  position integer not null default 0,
  primary key (workspace_id, key)
);
