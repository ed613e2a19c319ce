-- Accounts: users, their sessions and the login throttle. All tenant-owned, all under
-- row-level security like accounts.tenants.

create table accounts.users (
    tenant_id     uuid        not null references accounts.tenants (tenant_id) on delete cascade,
    user_id       uuid        not null,
    email         text        not null,
    name          text        not null,
    role          text        not null check (role in ('owner', 'admin', 'billing', 'member', 'viewer')),
    status        text        not null default 'active' check (status in ('active', 'deactivated')),
    password_hash text        not null,
    version       integer     not null default 1,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),
    primary key (tenant_id, user_id)
);
-- One account per address within a tenant; the same person may belong to several tenants.
create unique index users_email on accounts.users (tenant_id, lower(email));

-- A session is found by the hash of its bearer token before the tenant is known (the
-- platform path reads it); everything after that runs in the tenant's transaction.
create table accounts.sessions (
    tenant_id    uuid        not null,
    session_id   uuid        not null,
    user_id      uuid        not null,
    token_hash   bytea       not null,
    created_at   timestamptz not null default now(),
    last_seen_at timestamptz not null default now(),
    expires_at   timestamptz not null,
    primary key (tenant_id, session_id),
    foreign key (tenant_id, user_id) references accounts.users (tenant_id, user_id) on delete cascade
);
create unique index sessions_token on accounts.sessions (token_hash);
create index sessions_user on accounts.sessions (tenant_id, user_id);

-- Failed logins per account and source address. Back-off is per source, so someone
-- guessing from elsewhere slows themselves down, not the real user.
create table accounts.login_failures (
    tenant_id      uuid        not null,
    user_id        uuid        not null,
    source         text        not null,
    failures       integer     not null default 0,
    last_failed_at timestamptz not null default now(),
    blocked_until  timestamptz,
    primary key (tenant_id, user_id, source),
    foreign key (tenant_id, user_id) references accounts.users (tenant_id, user_id) on delete cascade
);

alter table accounts.users enable row level security;
alter table accounts.users force row level security;
create policy tenant_isolation on accounts.users
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
create policy platform_read on accounts.users for select
    using (current_setting('app.platform', true) = 'on');

alter table accounts.sessions enable row level security;
alter table accounts.sessions force row level security;
create policy tenant_isolation on accounts.sessions
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
create policy platform_read on accounts.sessions for select
    using (current_setting('app.platform', true) = 'on');

alter table accounts.login_failures enable row level security;
alter table accounts.login_failures force row level security;
create policy tenant_isolation on accounts.login_failures
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

grant select, insert, update, delete on accounts.users, accounts.sessions, accounts.login_failures to keel_runtime;
