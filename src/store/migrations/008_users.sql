-- Console users, their roles and their sign-in sessions.

create table users (
  id text primary key,
  workspace_id text not null references workspaces(id),
  -- trimmed and lower-cased; unique across workspaces because signing in names only the email
  email text not null unique,
  name text,
  role text not null check (role in ('admin', 'marketer', 'analyst', 'read_only')),
  -- PHC string "$scrypt$ln=15,r=8,p=1$salt$hash": the parameters travel with the hash so
  -- they can be raised later without invalidating stored passwords
  password_hash text not null,
  disabled_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index users_workspace on users (workspace_id, created_at);

-- One row per signed-in browser. Only the SHA-256 of the cookie's token is stored, so a
-- copy of the database does not let anyone sign in.
create table user_sessions (
  token_hash text primary key,
  workspace_id text not null,
  user_id text not null references users(id) on delete cascade,
  created_at timestamptz not null,
  last_seen_at timestamptz not null,
  -- the absolute end; idleness is measured from last_seen_at
  expires_at timestamptz not null
);
create index user_sessions_user on user_sessions (user_id);
