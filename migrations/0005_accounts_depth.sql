-- Accounts in depth: email verification, MFA, single-use tokens, invitations, API keys,
-- and what a session remembers about its device. Every table is tenant-owned and under
-- row-level security; the few reads that happen before a tenant is known (a token or key
-- presented by its holder) go through the platform path, like session lookup.

alter table accounts.users
    add column email_verified_at timestamptz,
    -- TOTP: the confirmed secret, the last time step accepted (a code is good once), and an
    -- enrolment in progress (replaced by every new enrolment, dropped when confirmed).
    add column mfa_secret         bytea,
    add column mfa_enabled_at     timestamptz,
    add column mfa_last_step      bigint,
    add column mfa_pending_secret bytea,
    add column mfa_pending_until  timestamptz;

alter table accounts.tenants
    add column require_mfa boolean not null default false;

alter table accounts.sessions
    add column user_agent text,
    add column ip_address text;

-- Single-use, expiring secrets sent to a person: email verification, password reset, and the
-- short-lived challenge between a password and an MFA code. Only the SHA-256 is kept.
create table accounts.user_tokens (
    tenant_id  uuid        not null,
    token_id   uuid        not null,
    user_id    uuid        not null,
    purpose    text        not null check (purpose in ('verify_email', 'reset_password', 'mfa_challenge')),
    token_hash bytea       not null,
    -- verify_email: the address being proven (a new one, on email change).
    email      text,
    -- mfa_challenge: where the password was given, for the session it becomes.
    source     text,
    user_agent text,
    attempts   integer     not null default 0,
    expires_at timestamptz not null,
    used_at    timestamptz,
    created_at timestamptz not null default now(),
    primary key (tenant_id, token_id),
    foreign key (tenant_id, user_id) references accounts.users (tenant_id, user_id) on delete cascade
);
create unique index user_tokens_hash on accounts.user_tokens (token_hash);
create index user_tokens_user on accounts.user_tokens (tenant_id, user_id, purpose);

create table accounts.recovery_codes (
    tenant_id uuid        not null,
    user_id   uuid        not null,
    code_hash bytea       not null,
    used_at   timestamptz,
    primary key (tenant_id, user_id, code_hash),
    foreign key (tenant_id, user_id) references accounts.users (tenant_id, user_id) on delete cascade
);

create table accounts.invitations (
    tenant_id   uuid        not null references accounts.tenants (tenant_id) on delete cascade,
    invitation_id uuid      not null,
    email       text        not null,
    role        text        not null check (role in ('owner', 'admin', 'billing', 'member', 'viewer')),
    token_hash  bytea       not null,
    invited_by  uuid        not null,
    expires_at  timestamptz not null,
    accepted_at timestamptz,
    accepted_user_id uuid,
    revoked_at  timestamptz,
    created_at  timestamptz not null default now(),
    primary key (tenant_id, invitation_id)
);
create unique index invitations_token on accounts.invitations (token_hash);

-- Machine credentials. The key acts as its creator (deleted with them) with at most the
-- permissions listed here; `prefix` is the key's first characters, shown for recognition.
create table accounts.api_keys (
    tenant_id    uuid        not null,
    api_key_id   uuid        not null,
    name         text        not null,
    prefix       text        not null,
    key_hash     bytea       not null,
    permissions  text[]      not null,
    created_by   uuid        not null,
    created_at   timestamptz not null default now(),
    last_used_at timestamptz,
    revoked_at   timestamptz,
    primary key (tenant_id, api_key_id),
    foreign key (tenant_id, created_by) references accounts.users (tenant_id, user_id) on delete cascade
);
create unique index api_keys_hash on accounts.api_keys (key_hash);

do $$
declare t text;
begin
  foreach t in array array['user_tokens', 'recovery_codes', 'invitations', 'api_keys'] loop
    execute format('alter table accounts.%I enable row level security', t);
    execute format('alter table accounts.%I force row level security', t);
    execute format($p$create policy tenant_isolation on accounts.%I
        using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
        with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)$p$, t);
  end loop;
end $$;
-- A token or key is presented before its tenant is known.
create policy platform_read on accounts.user_tokens for select using (current_setting('app.platform', true) = 'on');
create policy platform_read on accounts.invitations for select using (current_setting('app.platform', true) = 'on');
create policy platform_read on accounts.api_keys for select using (current_setting('app.platform', true) = 'on');

grant select, insert, update, delete on accounts.user_tokens, accounts.recovery_codes,
    accounts.invitations, accounts.api_keys to keel_runtime;
