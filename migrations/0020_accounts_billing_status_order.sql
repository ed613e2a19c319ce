-- Accounts orders Billing's subscription reports by the subscription (UUIDv7: a later one is
-- newer) and its version, not by a transaction's start time (0011's `billing_status_at`):
-- reports can arrive out of order, and two in one second are not ordered by time at all. The
-- plan's seats (0015) follow the same order. Subscriptions blocked before this migration are
-- blocked from now on. (`if exists` / `if not exists`: a development database may have these
-- columns from an earlier draft of 0011.)
alter table accounts.tenants drop column if exists billing_status_at;
alter table accounts.tenants add column if not exists billing_status_subscription uuid;
alter table accounts.tenants add column if not exists billing_status_version integer;

-- Row-level security binds this migration too: it reads as the platform, and writes each
-- tenant's row in that tenant's scope.
do $$
declare r record;
begin
  perform set_config('app.platform', 'on', true);
  for r in select tenant_id, subscription_id, version from billing.subscriptions where status = 'blocked' loop
    perform set_config('app.tenant_id', r.tenant_id::text, true);
    update accounts.tenants
       set billing_blocked = true, billing_status_subscription = r.subscription_id, billing_status_version = r.version
     where tenant_id = r.tenant_id;
  end loop;
  perform set_config('app.tenant_id', '', true);
  perform set_config('app.platform', '', true);
end $$;
