-- Messaging: channel configuration, the outbox, its status history, and the capture provider.

-- One provider per channel per workspace. Secret settings never sit in `settings`: they are
-- AES-256-GCM encrypted into `secrets_enc` (random IV per write, workspace+channel as AAD).
create table channel_configs (
  workspace_id text not null,
  channel text not null,
  provider text not null,
  settings jsonb not null default '{}',
  secrets_enc text,
  -- names of the secret fields sealed in secrets_enc, so listings need not decrypt
  secret_fields text[] not null default '{}',
  -- messages per second through this provider; null means unlimited
  rate_limit double precision,
  -- changes on every write, so every process rebuilds its cached provider instance
  revision text not null,
  updated_at timestamptz not null,
  primary key (workspace_id, channel)
);

-- The outbox: every outbound message is a row here before any provider sees it.
create table messages (
  id text primary key,
  workspace_id text not null,
  -- journey run + step + profile, computed by the caller: a second enqueue is a no-op
  idempotency_key text not null,
  profile_id text not null,
  channel text not null,
  -- set when a provider is chosen at send time (the channel's config may change before)
  provider text,
  template_key text not null,
  purpose text not null check (purpose in ('marketing', 'transactional')),
  journey_id text,
  journey_version integer,
  step_id text,
  run_id text,
  -- what the template renders over: event, journey, offer...
  context jsonb not null default '{}',
  -- when the message is meant to go (moved by a policy delay such as quiet hours)
  send_at timestamptz not null,
  status text not null check (status in ('queued', 'sending', 'sent', 'delivered', 'failed', 'suppressed', 'cancelled', 'dead')),
  reason text,
  -- provider calls made (or started) so far
  attempts integer not null default 0,
  -- when the dispatcher next looks at a queued message: send_at, or later after a retryable failure
  next_attempt_at timestamptz not null,
  -- start of the provider call of the current claim; null while claimed but not yet called,
  -- which tells crash recovery that no provider saw this claim
  attempted_at timestamptz,
  provider_message_id text,
  rendered jsonb,
  sent_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (workspace_id, idempotency_key)
);
-- The dispatcher's only scan: due queued messages, without touching the rest of the table.
create index messages_due on messages (next_attempt_at) where status = 'queued';
-- Crash recovery: messages left in `sending` past their lease.
create index messages_sending on messages (updated_at) where status = 'sending';
create index messages_profile on messages (workspace_id, profile_id, created_at desc);
create index messages_journey on messages (workspace_id, journey_id, created_at desc) where journey_id is not null;
create index messages_list on messages (workspace_id, created_at desc, id desc);
-- Delivery webhooks name the provider's id.
create index messages_provider_id on messages (provider_message_id) where provider_message_id is not null;

create table message_status_history (
  id bigint generated always as identity primary key,
  message_id text not null,
  status text not null,
  reason text,
  at timestamptz not null
);
create index message_status_history_message on message_status_history (message_id, id);

-- The built-in `capture` provider "sends" by keeping the message here, so the demo and tests
-- see every message without a real provider. One row per outbox message: a resend is a no-op.
create table captured_messages (
  message_id text primary key,
  workspace_id text,
  channel text not null,
  recipient jsonb not null,
  content jsonb not null,
  metadata jsonb not null default '{}',
  idempotency_key text not null,
  captured_at timestamptz not null
);
create index captured_messages_workspace on captured_messages (workspace_id, captured_at desc);
