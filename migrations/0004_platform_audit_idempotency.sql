-- The platform's audit log and the stored responses behind Idempotency-Key.

-- Append-only: the runtime role may insert and read, never change or remove, and a
-- trigger refuses updates and deletes from anyone, the owner included.
create table platform.audit_log (
    tenant_id     uuid,                 -- null for events before any tenant is known
    audit_id      uuid        not null primary key,
    actor_user_id uuid,
    action        text        not null,
    target        text,
    request_id    text,
    before        jsonb,
    after         jsonb,
    occurred_at   timestamptz not null default now()
);
create index audit_log_tenant on platform.audit_log (tenant_id, audit_id desc);

create function platform.audit_log_is_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'platform.audit_log is append-only';
end $$;
create trigger audit_log_append_only before update or delete on platform.audit_log
    for each row execute function platform.audit_log_is_append_only();

alter table platform.audit_log enable row level security;
alter table platform.audit_log force row level security;
create policy tenant_isolation on platform.audit_log
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
-- Events with no tenant (a login for a slug that does not exist) go through the platform path.
create policy platform_access on platform.audit_log
    using (current_setting('app.platform', true) = 'on')
    with check (current_setting('app.platform', true) = 'on');
grant select, insert on platform.audit_log to keel_runtime;

-- One row per (scope, key). `scope` names the tenant and principal ("tenant/<id>/user/<id>"),
-- or "anonymous" for requests made before anyone is known (signup). The row is claimed
-- ('running') in its own short transaction, then completed in the transaction that makes
-- the effect, so the stored response and the effect commit together.
create table platform.idempotency_keys (
    scope         text        not null,
    key           text        not null,
    tenant_id     uuid,                 -- null for the anonymous scope
    fingerprint   bytea       not null, -- SHA-256 of method, path and canonical body
    state         text        not null check (state in ('running', 'done')),
    claim         uuid        not null, -- who holds a running key; a completion must match it
    locked_until  timestamptz not null,
    status        integer,
    headers       jsonb,
    body          bytea,
    created_at    timestamptz not null default now(),
    primary key (scope, key)
);
create index idempotency_keys_created on platform.idempotency_keys (created_at);

alter table platform.idempotency_keys enable row level security;
alter table platform.idempotency_keys force row level security;
create policy tenant_isolation on platform.idempotency_keys
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
-- Anonymous keys belong to no tenant. Their responses describe a brand-new tenant that only
-- the caller (who sent the same body, password included) may see again.
create policy anonymous_scope on platform.idempotency_keys
    using (tenant_id is null and scope = 'anonymous')
    with check (tenant_id is null and scope = 'anonymous');
-- The purge of expired keys runs through the platform path.
create policy platform_purge on platform.idempotency_keys
    using (current_setting('app.platform', true) = 'on');
grant select, insert, update, delete on platform.idempotency_keys to keel_runtime;
