-- The platform schema: the event outbox and the subscribers' inbox.
-- Table privileges go to keel_runtime, the group role the server's login belongs to
-- (see README, "Database roles"); the migration role owns everything.

do $$ begin
  if not exists (select from pg_roles where rolname = 'keel_runtime') then
    raise exception 'role keel_runtime does not exist: create it before migrating (README, "Database roles")';
  end if;
end $$;

create schema if not exists platform;
grant usage on schema platform to keel_runtime;
grant select on platform.schema_migrations to keel_runtime;

-- One row per published event. tenant_id is part of the key, like every tenant-owned
-- table, so the schema stays distributable by tenant.
create table platform.outbox (
    tenant_id    uuid        not null,
    id           uuid        not null,
    event_type   text        not null,
    payload      jsonb       not null,
    status       text        not null default 'pending' check (status in ('pending', 'delivered', 'dead')),
    attempts     integer     not null default 0,
    available_at timestamptz not null default now(),
    last_error   text,
    created_at   timestamptz not null default now(),
    delivered_at timestamptz,
    primary key (tenant_id, id)
);
create index outbox_due on platform.outbox (available_at, id) where status = 'pending';
create index outbox_dead on platform.outbox (created_at) where status = 'dead';
create unique index outbox_event_id on platform.outbox (id, tenant_id);

-- What each subscriber has already done, written in the same transaction as its effect.
create table platform.inbox (
    tenant_id    uuid        not null,
    subscriber   text        not null,
    event_id     uuid        not null,
    processed_at timestamptz not null default now(),
    primary key (tenant_id, subscriber, event_id)
);

alter table platform.outbox enable row level security;
alter table platform.outbox force row level security;
create policy tenant_isolation on platform.outbox
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
-- The dispatcher claims and records events across tenants through the platform path.
create policy platform_dispatch on platform.outbox
    using (current_setting('app.platform', true) = 'on')
    with check (current_setting('app.platform', true) = 'on');

alter table platform.inbox enable row level security;
alter table platform.inbox force row level security;
create policy tenant_isolation on platform.inbox
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

grant select, insert, update on platform.outbox to keel_runtime;
grant select, insert on platform.inbox to keel_runtime;
