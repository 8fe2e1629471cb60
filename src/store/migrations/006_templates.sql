-- Message templates: one row per (key, channel, locale) variant; journeys name the key.
create table templates (
  workspace_id text not null,
  key text not null,
  channel text not null,
  -- '' is the default variant
  locale text not null default '',
  template jsonb not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (workspace_id, key, channel, locale)
);
