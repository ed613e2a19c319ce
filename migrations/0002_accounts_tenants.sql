-- Accounts: the tenant registry. A tenant's row is its own: tenant_id is the key, and
-- row-level security shows a tenant transaction only its own row.

do $$ begin
  if not exists (select from pg_roles where rolname = 'keel_runtime') then
    raise exception 'role keel_runtime does not exist: create it before migrating (README, "Database roles")';
  end if;
end $$;

create schema if not exists accounts;
grant usage on schema accounts to keel_runtime;

create table accounts.tenants (
    tenant_id  uuid        primary key,
    slug       text        not null,
    name       text        not null,
    status     text        not null default 'active' check (status in ('active', 'suspended')),
    version    integer     not null default 1,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
-- Slugs address tenants at sign-in, before any tenant is known: they are unique across
-- the platform by design (the one global key; see StorageTests.RowLevelSecurityTests).
create unique index tenants_slug on accounts.tenants (slug);

alter table accounts.tenants enable row level security;
alter table accounts.tenants force row level security;
create policy tenant_isolation on accounts.tenants
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
-- Resolving a slug at sign-in, and the staff console, read across tenants.
create policy platform_read on accounts.tenants for select
    using (current_setting('app.platform', true) = 'on');

grant select, insert, update, delete on accounts.tenants to keel_runtime;
