-- Payments (docs/payments.md): collecting invoices through the payment provider, exactly once.

-- The tenant's customer at the provider (made once, on the first payment method) and the card
-- it pays with, as the provider described it (brand, last four digits, expiry: never a number).
alter table billing.profiles add column provider_customer text;
alter table billing.profiles add column payment_method_brand text;
alter table billing.profiles add column payment_method_last4 text;
alter table billing.profiles add column payment_method_expires text;

-- Dunning, per invoice: when the collector next tries it (null: not scheduled — paid, void,
-- never collected automatically, or its retries are spent), and why it stopped.
alter table billing.invoices add column next_collection_at timestamptz;
alter table billing.invoices add column collection_stopped text
    check (collection_stopped in ('retries_spent', 'hard_decline', 'no_payment_method'));
create index invoices_collection_due on billing.invoices (next_collection_at) where next_collection_at is not null;

-- One collection attempt of an invoice. Written in state `sending` *before* the provider is
-- called, with the key every provider call of the attempt derives its Idempotency-Key from
-- (`keel-<invoice>-<n>`), so a retry, a restart or another instance never makes a new charge
-- for the same attempt. `lease_until`: until then the instance that wrote it may still be
-- talking to the provider; after it, the collector settles a `sending` attempt by asking the
-- provider (never by charging again). `check_requested_at`: a provider webhook said something
-- about this attempt's payment; the collector asks the provider and applies what it answers.
create table billing.payment_attempts (
    tenant_id          uuid        not null,
    attempt_id         uuid        not null,
    invoice_id         uuid        not null,
    attempt_number     integer     not null check (attempt_number > 0),
    state              text        not null check (state in ('sending', 'succeeded', 'failed')),
    trigger            text        not null check (trigger in ('automatic', 'retry', 'customer', 'payment_method', 'staff', 'provider')),
    idempotency_key    text        not null,
    currency           text        not null check (currency ~ '^[A-Z]{3}$'),
    amount             bigint      not null check (amount > 0),
    payment_method     text,
    provider_payment   text,
    failure_code       text,
    failure_message    text,
    hard_decline       boolean     not null default false,
    lease_until        timestamptz not null,
    check_requested_at timestamptz,
    created_at         timestamptz not null,
    settled_at         timestamptz,
    primary key (tenant_id, attempt_id),
    foreign key (tenant_id, invoice_id) references billing.invoices,
    unique (tenant_id, invoice_id, attempt_number),
    check ((state = 'sending') = (settled_at is null))
);
-- One attempt in flight per invoice: fifty concurrent "pay" calls make one charge.
create unique index payment_attempts_one_in_flight on billing.payment_attempts (tenant_id, invoice_id) where state = 'sending';
create unique index payment_attempts_provider_payment on billing.payment_attempts (provider_payment) where provider_payment is not null;
create index payment_attempts_unsettled on billing.payment_attempts (lease_until) where state = 'sending';
create index payment_attempts_check on billing.payment_attempts (check_requested_at) where check_requested_at is not null;

-- Money given back to the card, against a paid invoice: staff ask, a credit note records it,
-- the provider is called with the refund's own key (`keel-refund-<id>`), and the result is
-- kept. `failed` is visible and retryable (the same key: a retry never refunds twice).
create table billing.refunds (
    tenant_id        uuid        not null,
    refund_id        uuid        not null,
    invoice_id       uuid        not null,
    attempt_id       uuid        not null,
    credit_note_id   uuid        not null,
    state            text        not null check (state in ('sending', 'succeeded', 'failed')),
    currency         text        not null check (currency ~ '^[A-Z]{3}$'),
    amount           bigint      not null check (amount > 0),
    reason           text        not null,
    idempotency_key  text        not null unique,
    provider_refund  text,
    failure_message  text,
    created_by_staff uuid,
    created_at       timestamptz not null,
    settled_at       timestamptz,
    primary key (tenant_id, refund_id),
    foreign key (tenant_id, invoice_id) references billing.invoices,
    foreign key (tenant_id, attempt_id) references billing.payment_attempts,
    foreign key (tenant_id, credit_note_id) references billing.credit_notes
);
-- What refunds took back of an invoice's payment: never more than was paid.
alter table billing.invoices add column refunded bigint not null default 0 check (refunded >= 0);
alter table billing.invoices add constraint invoices_refund_within_paid check (refunded <= amount_paid);
-- A credit note's third destination: the card.
alter table billing.credit_notes add column refunded bigint not null default 0 check (refunded >= 0);
alter table billing.credit_notes drop constraint credit_notes_check;
alter table billing.credit_notes add constraint credit_notes_destinations check (applied_to_invoice + credited_balance + refunded = amount);

-- The provider's webhook events as received, unique on the provider's event id: a delivery
-- that arrives twice is stored once (the second insert does nothing). Kept as received.
create table billing.provider_events (
    tenant_id   uuid        not null,
    event_id    text        not null,
    type        text        not null,
    object_id   text,
    payload     jsonb       not null,
    received_at timestamptz not null,
    primary key (tenant_id, event_id)
);
create unique index provider_events_event_id on billing.provider_events (event_id);

do $$
declare t text;
begin
  foreach t in array array['payment_attempts', 'refunds', 'provider_events'] loop
    execute format('alter table billing.%I enable row level security', t);
    execute format('alter table billing.%I force row level security', t);
    execute format($p$create policy tenant_isolation on billing.%I
        using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
        with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)$p$, t);
    execute format($p$create policy platform_read on billing.%I for select
        using (current_setting('app.platform', true) = 'on')$p$, t);
  end loop;
end $$;
grant select, insert, update on billing.payment_attempts, billing.refunds to keel_runtime;
grant select, insert on billing.provider_events to keel_runtime;

-- Accounts' side of a blocked subscription: Billing publishes the status, Accounts keeps
-- whether the tenant is blocked (and which subscription version said so, so an older message
-- never undoes a newer one), and authentication carries it to the edge, which answers 402 to
-- all but paying. Subscriptions blocked before this migration are blocked from now on.
alter table accounts.tenants add column billing_blocked boolean not null default false;
alter table accounts.tenants add column billing_status_subscription uuid;
alter table accounts.tenants add column billing_status_version integer;
-- (Row-level security binds this migration too: it reads as the platform, and writes each
-- tenant's row in that tenant's scope.)
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

drop function accounts.session_by_token_hash(bytea, text);
create function accounts.session_by_token_hash(token_hash bytea, lock_timeout text)
returns table (tenant_id uuid, session_id uuid, user_id uuid, role text, usable boolean,
               expires_at timestamptz, last_seen_at timestamptz, now timestamptz,
               mfa_enrolment_required boolean, billing_blocked boolean)
language plpgsql stable
as $$
declare
    previous text := current_setting('app.platform', true);
    previous_lock_timeout text := current_setting('lock_timeout');
begin
    perform set_config('app.platform', 'on', true);
    perform set_config('lock_timeout', session_by_token_hash.lock_timeout, true);
    return query
        select s.tenant_id, s.session_id, s.user_id, u.role,
               u.status = 'active' and u.locked_at is null and t.status = 'active',
               s.expires_at, s.last_seen_at, now(),
               t.require_mfa and u.mfa_enabled_at is null,
               t.billing_blocked
          from accounts.sessions s
          join accounts.users u on u.tenant_id = s.tenant_id and u.user_id = s.user_id
          join accounts.tenants t on t.tenant_id = s.tenant_id
         where s.token_hash = session_by_token_hash.token_hash;
    perform set_config('app.platform', coalesce(previous, ''), true);
    perform set_config('lock_timeout', previous_lock_timeout, true);
end
$$;
revoke all on function accounts.session_by_token_hash(bytea, text) from public;
grant execute on function accounts.session_by_token_hash(bytea, text) to keel_runtime;
