-- Outbound webhooks (Standard Webhooks): a tenant's endpoints, the messages its events became,
-- one delivery per message and endpoint (the retry state), and every attempt (the log).

create table notifications.webhook_endpoints (
    tenant_id                  uuid        not null,
    endpoint_id                uuid        not null,
    url                        text        not null,
    description                text        not null default '',
    -- The event types it receives; empty means every type.
    event_types                text[]      not null default '{}',
    enabled                    boolean     not null default true,
    disabled_reason            text,
    -- `whsec_` + base64 of 32 random bytes. After a rotation the previous secret signs
    -- alongside the new one until it expires.
    secret                     text        not null,
    previous_secret            text,
    previous_secret_expires_at timestamptz,
    last_success_at            timestamptz,
    -- The first failure since the last success: what the disabling rule measures.
    failing_since              timestamptz,
    -- A sender's lease on the endpoint: while it runs, no other sender delivers to it (one
    -- delivery in flight per endpoint, across instances). Cleared when the sender is done.
    sending_until              timestamptz,
    sending_lease              uuid,
    version                    integer     not null default 1,
    created_at                 timestamptz not null,
    updated_at                 timestamptz not null,
    primary key (tenant_id, endpoint_id)
);

-- One event as its receivers see it: the body is kept as the exact bytes that are signed, so
-- every attempt and replay sends the same id and body.
create table notifications.webhook_messages (
    tenant_id  uuid        not null,
    message_id uuid        not null,
    event_type text        not null,
    body       text        not null,
    -- What it is about when another module owns it (`order/<id>`): told of each delivery.
    about      text,
    created_at timestamptz not null,
    primary key (tenant_id, message_id)
);
create index webhook_messages_recent on notifications.webhook_messages (tenant_id, message_id desc);

create table notifications.webhook_deliveries (
    tenant_id       uuid        not null,
    message_id      uuid        not null,
    endpoint_id     uuid        not null,
    -- pending: due at next_attempt_at; sending: claimed until locked_until; succeeded; failed
    -- (the schedule ran out, the endpoint answered 410, or it was disabled).
    status          text        not null default 'pending'
                                check (status in ('pending', 'sending', 'succeeded', 'failed')),
    attempts        integer     not null default 0,
    next_attempt_at timestamptz not null,
    locked_until    timestamptz,
    last_status     integer,
    last_error      text,
    created_at      timestamptz not null,
    updated_at      timestamptz not null,
    primary key (tenant_id, message_id, endpoint_id),
    foreign key (tenant_id, message_id) references notifications.webhook_messages on delete cascade,
    foreign key (tenant_id, endpoint_id) references notifications.webhook_endpoints on delete cascade
);
create index webhook_deliveries_due on notifications.webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_endpoint on notifications.webhook_deliveries (tenant_id, endpoint_id, message_id desc);
create index webhook_deliveries_endpoint_due on notifications.webhook_deliveries (tenant_id, endpoint_id, next_attempt_at)
    where status in ('pending', 'sending');

create table notifications.webhook_attempts (
    tenant_id     uuid        not null,
    attempt_id    uuid        not null,
    message_id    uuid        not null,
    endpoint_id   uuid        not null,
    attempted_at  timestamptz not null,
    succeeded     boolean     not null,
    status_code   integer,
    duration_ms   integer     not null,
    -- The first 4 KiB of the response body.
    response_body text,
    error         text,
    primary key (tenant_id, attempt_id),
    foreign key (tenant_id, message_id, endpoint_id) references notifications.webhook_deliveries on delete cascade
);
create index webhook_attempts_delivery on notifications.webhook_attempts (tenant_id, endpoint_id, attempted_at desc);

do $$
declare t text;
begin
  foreach t in array array['webhook_endpoints', 'webhook_messages', 'webhook_deliveries', 'webhook_attempts'] loop
    execute format('alter table notifications.%I enable row level security', t);
    execute format('alter table notifications.%I force row level security', t);
    execute format($p$create policy tenant_isolation on notifications.%I
        using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
        with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)$p$, t);
  end loop;
end $$;
-- The sender claims due deliveries across tenants (and reads what it sends); everything it
-- records afterwards is written in the delivery's tenant transaction.
create policy platform_read on notifications.webhook_endpoints for select using (current_setting('app.platform', true) = 'on');
-- The sender leases endpoints across tenants (`sending_until`, in its claim).
create policy platform_lease on notifications.webhook_endpoints for update
    using (current_setting('app.platform', true) = 'on') with check (current_setting('app.platform', true) = 'on');
create policy platform_read on notifications.webhook_messages for select using (current_setting('app.platform', true) = 'on');
create policy platform_read on notifications.webhook_attempts for select using (current_setting('app.platform', true) = 'on');
-- The attempt log is kept 30 days; the sender prunes it across tenants.
create policy platform_prune on notifications.webhook_attempts for delete using (current_setting('app.platform', true) = 'on');
create policy platform_delivery on notifications.webhook_deliveries
    using (current_setting('app.platform', true) = 'on')
    with check (current_setting('app.platform', true) = 'on');

grant select, insert, update, delete on notifications.webhook_endpoints, notifications.webhook_messages,
    notifications.webhook_deliveries to keel_runtime;
grant select, insert, delete on notifications.webhook_attempts to keel_runtime;
