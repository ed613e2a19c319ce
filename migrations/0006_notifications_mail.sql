-- Notifications: outgoing mail. `messages` is the queue and the delivery log (one row per
-- email, written by an event subscriber in the same transaction as its inbox record);
-- `mailbox` is the development transport's inbox (what `keel mail list` shows).

create schema if not exists notifications;
grant usage on schema notifications to keel_runtime;

create table notifications.messages (
    tenant_id    uuid        not null,
    message_id   uuid        not null,
    kind         text        not null,
    recipient    text        not null,
    sender_name  text        not null,
    subject      text        not null,
    text_body    text        not null,
    html_body    text        not null,
    status       text        not null default 'queued' check (status in ('queued', 'sent', 'failed')),
    attempts     integer     not null default 0,
    available_at timestamptz not null default now(),
    last_error   text,
    transport    text,
    sent_at      timestamptz,
    created_at   timestamptz not null default now(),
    primary key (tenant_id, message_id)
);
create index messages_due on notifications.messages (available_at) where status = 'queued';

create table notifications.mailbox (
    tenant_id    uuid        not null,
    message_id   uuid        not null,
    recipient    text        not null,
    subject      text        not null,
    mime         text        not null,
    text_body    text        not null,
    html_body    text        not null,
    delivered_at timestamptz not null default now(),
    primary key (tenant_id, message_id)
);
create index mailbox_recent on notifications.mailbox (delivered_at);

do $$
declare t text;
begin
  foreach t in array array['messages', 'mailbox'] loop
    execute format('alter table notifications.%I enable row level security', t);
    execute format('alter table notifications.%I force row level security', t);
    execute format($p$create policy tenant_isolation on notifications.%I
        using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
        with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)$p$, t);
    -- The sender claims due messages across tenants; operators read the mailbox.
    execute format($p$create policy platform_delivery on notifications.%I
        using (current_setting('app.platform', true) = 'on')
        with check (current_setting('app.platform', true) = 'on')$p$, t);
  end loop;
end $$;

grant select, insert, update on notifications.messages to keel_runtime;
grant select, insert on notifications.mailbox to keel_runtime;
