-- "View as" (issue 20): a staff member's time-boxed API session as a tenant's user. The session
-- itself is an ordinary row of accounts.sessions (its token of its own kind, `keelp_`); this
-- row says who, why, until when, whether changes were granted, and when it ended. It outlives
-- the session, so the user's sessions list shows support's views for 30 days.
create table accounts.impersonations (
    tenant_id   uuid        not null,
    session_id  uuid        not null,
    user_id     uuid        not null,
    staff_id    uuid        not null,
    staff_name  text        not null,
    staff_email text        not null,
    reason      text        not null,
    can_write   boolean     not null default false,
    started_at  timestamptz not null,
    ends_at     timestamptz not null,
    ended_at    timestamptz,
    primary key (tenant_id, session_id),
    foreign key (tenant_id, user_id) references accounts.users (tenant_id, user_id) on delete cascade
);
create index impersonations_user on accounts.impersonations (tenant_id, user_id, started_at);
create index impersonations_open on accounts.impersonations (ends_at) where ended_at is null;

alter table accounts.impersonations enable row level security;
alter table accounts.impersonations force row level security;
create policy tenant_isolation on accounts.impersonations
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
-- The sweep that ends views at their time box finds them across tenants (then ends each through
-- its tenant's path).
create policy platform_read on accounts.impersonations for select using (current_setting('app.platform', true) = 'on');
grant select, insert, update on accounts.impersonations to keel_runtime;
