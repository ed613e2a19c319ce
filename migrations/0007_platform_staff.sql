-- The staff console: the platform's own people (not tenant users), their console sessions,
-- support locks on tenant users, and staff as actors in the audit log.

-- Staff belong to no tenant: the tables are reachable only through the platform path
-- (app.platform = 'on'), which the tenant path never sets.
create table platform.staff (
    staff_id             uuid        primary key,
    email                text        not null,
    name                 text        not null,
    role                 text        not null check (role in ('support', 'billing-ops', 'admin')),
    status               text        not null default 'active' check (status in ('active', 'deactivated')),
    password_hash        text        not null,
    -- Set by `keel staff create` and by an admin's invitation: the first sign-in must choose
    -- a password and enrol TOTP before anything else.
    must_change_password boolean     not null default true,
    mfa_secret           bytea,
    mfa_enabled_at       timestamptz,
    mfa_last_step        bigint,
    version              integer     not null default 1,
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now()
);
create unique index staff_email on platform.staff (lower(email));

-- A console session. `stage` is how far sign-in got: 'mfa' (password given, code next),
-- 'setup' (first sign-in: new password and TOTP enrolment next), 'active'. The token is kept
-- only as SHA-256; the CSRF token is the synchronizer token every form carries.
create table platform.staff_sessions (
    session_id     uuid        primary key,
    staff_id       uuid        not null references platform.staff (staff_id) on delete cascade,
    token_hash     bytea       not null,
    csrf_token     text        not null,
    stage          text        not null check (stage in ('mfa', 'setup', 'active')),
    pending_secret bytea,
    attempts       integer     not null default 0,
    ip_address     text,
    user_agent     text,
    created_at     timestamptz not null default now(),
    last_seen_at   timestamptz not null default now(),
    expires_at     timestamptz not null
);
create unique index staff_sessions_token on platform.staff_sessions (token_hash);
create index staff_sessions_staff on platform.staff_sessions (staff_id);

alter table platform.staff enable row level security;
alter table platform.staff force row level security;
create policy platform_access on platform.staff
    using (current_setting('app.platform', true) = 'on')
    with check (current_setting('app.platform', true) = 'on');
alter table platform.staff_sessions enable row level security;
alter table platform.staff_sessions force row level security;
create policy platform_access on platform.staff_sessions
    using (current_setting('app.platform', true) = 'on')
    with check (current_setting('app.platform', true) = 'on');
grant select, insert, update, delete on platform.staff, platform.staff_sessions to keel_runtime;

-- A support lock: the user cannot sign in and their sessions and keys stop, until unlocked.
-- Separate from `status` (the tenant's own decision), so unlocking never reactivates someone
-- their tenant deactivated.
alter table accounts.users
    add column locked_at   timestamptz,
    add column lock_reason text;

alter table accounts.tenants
    add column status_reason text;

-- Staff act on tenants' rows through the tenant path; the entry names the staff member and
-- the reason they gave.
alter table platform.audit_log
    add column actor_staff_id uuid,
    add column reason         text;
create index audit_log_time on platform.audit_log (audit_id desc);
create index audit_log_action on platform.audit_log (action, audit_id desc);

-- The console's searches: tenants by name, users by email, across tenants.
create index tenants_created on accounts.tenants (created_at);
create index users_email_global on accounts.users (lower(email));
