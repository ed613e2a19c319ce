-- Billing's core (docs/billing.md): the platform's plan catalog, each tenant's subscription,
-- invoices and their lines, billing profiles, and the invoice number counter. Amounts are
-- bigint minor units beside an ISO 4217 code (Kernel.Money), never numeric or float.

create schema if not exists billing;
grant usage on schema billing to keel_runtime;

-- The catalog. Not tenant rows: every tenant reads it, only the platform path writes it. A plan
-- is (code, version): a price change is a new version, and a subscription keeps the version it
-- signed up for until it changes plan. New subscriptions take a code's newest active version.
create table billing.plans (
    plan_id    uuid        primary key,
    code       text        not null check (code ~ '^[a-z][a-z0-9-]{1,39}$'),
    version    integer     not null check (version >= 1),
    name       text        not null check (length(name) between 1 and 100),
    interval   text        not null check (interval in ('month', 'year')),
    trial_days integer     not null default 0 check (trial_days between 0 and 365),
    seats      integer     check (seats is null or seats > 0),
    is_default boolean     not null default false,
    status     text        not null default 'active' check (status in ('active', 'retired')),
    created_at timestamptz not null,
    unique (code, version)
);
-- One default plan (the one sign-up starts a trial on), among the active versions.
create unique index plans_one_default on billing.plans ((true)) where is_default and status = 'active';

create table billing.plan_prices (
    plan_id  uuid   not null references billing.plans,
    currency text   not null check (currency ~ '^[A-Z]{3}$'),
    amount   bigint not null check (amount >= 0),
    primary key (plan_id, currency)
);

do $$
declare t text;
begin
  foreach t in array array['plans', 'plan_prices'] loop
    execute format('alter table billing.%I enable row level security', t);
    execute format('alter table billing.%I force row level security', t);
    -- Every tenant reads the catalog (it is the price list, not anyone's data).
    execute format($p$create policy catalog_read on billing.%I for select using (true)$p$, t);
    execute format($p$create policy platform_write on billing.%I for all
        using (current_setting('app.platform', true) = 'on')
        with check (current_setting('app.platform', true) = 'on')$p$, t);
  end loop;
end $$;
grant select, insert, update on billing.plans, billing.plan_prices to keel_runtime;

-- Two plans so a fresh install can sign up (the default starts a trial) and change plan. The
-- catalog's row-level security binds the owner too (it is forced): the seed writes as the
-- platform, for this transaction only.
select set_config('app.platform', 'on', true);
insert into billing.plans (plan_id, code, version, name, interval, trial_days, seats, is_default, created_at) values
    ('01900000-0000-7000-8000-000000000001', 'starter', 1, 'Starter', 'month', 14, 5, true, now()),
    ('01900000-0000-7000-8000-000000000002', 'pro', 1, 'Pro', 'month', 14, 25, false, now());
insert into billing.plan_prices (plan_id, currency, amount) values
    ('01900000-0000-7000-8000-000000000001', 'USD', 2900),
    ('01900000-0000-7000-8000-000000000001', 'EUR', 2900),
    ('01900000-0000-7000-8000-000000000001', 'GBP', 2500),
    ('01900000-0000-7000-8000-000000000001', 'JPY', 4500),
    ('01900000-0000-7000-8000-000000000002', 'USD', 9900),
    ('01900000-0000-7000-8000-000000000002', 'EUR', 9900),
    ('01900000-0000-7000-8000-000000000002', 'GBP', 8500),
    ('01900000-0000-7000-8000-000000000002', 'JPY', 15000);

-- Who the tenant is on its invoices, and the tax rate that applies to it (set by staff: there
-- is no tax engine). `email` is where billing emails go (the owner's address at sign-up).
-- `payment_method` is the provider's id once payments land.
create table billing.profiles (
    tenant_id      uuid        not null primary key,
    currency       text        not null default 'USD' check (currency ~ '^[A-Z]{3}$'),
    email          text,
    legal_name     text,
    address        text,
    country        text        check (country is null or country ~ '^[A-Z]{2}$'),
    tax_id         text,
    tax_rate_bp    integer     not null default 0 check (tax_rate_bp between 0 and 100000),
    payment_method text,
    version        integer     not null default 1,
    updated_at     timestamptz not null
);

create table billing.subscriptions (
    tenant_id            uuid        not null,
    subscription_id      uuid        not null,
    plan_id              uuid        not null references billing.plans,
    currency             text        not null check (currency ~ '^[A-Z]{3}$'),
    status               text        not null check (status in ('trialing', 'active', 'past_due', 'blocked', 'canceled')),
    -- Periods are computed from the anchor (the trial's end, or the start without a trial), so
    -- a subscription that began on the 31st renews on the last day of shorter months.
    billing_anchor       timestamptz not null,
    trial_end            timestamptz,
    current_period_start timestamptz not null,
    current_period_end   timestamptz not null check (current_period_end > current_period_start),
    -- The number of paid periods begun (0 while trialing): the renewal's unique key.
    period_number        integer     not null default 0,
    cancel_at_period_end boolean     not null default false,
    canceled_at          timestamptz,
    pending_plan_id      uuid        references billing.plans,
    past_due_since       timestamptz,
    trial_reminder_sent  boolean     not null default false,
    version              integer     not null default 1,
    created_at           timestamptz not null,
    updated_at           timestamptz not null,
    primary key (tenant_id, subscription_id)
);
-- At most one live subscription per tenant.
create unique index subscriptions_one_live on billing.subscriptions (tenant_id) where status <> 'canceled';
-- The scheduler's search: what is due, across tenants.
create index subscriptions_due on billing.subscriptions (current_period_end) where status <> 'canceled';

create table billing.invoices (
    tenant_id       uuid        not null,
    invoice_id      uuid        not null,
    subscription_id uuid,
    -- Given at finalization, from billing.invoice_counters; null while a draft.
    number          text,
    status          text        not null check (status in ('draft', 'open', 'paid', 'void', 'uncollectible')),
    billing_reason  text        not null check (billing_reason in ('subscription_cycle', 'subscription_update', 'manual')),
    currency        text        not null check (currency ~ '^[A-Z]{3}$'),
    subtotal        bigint      not null,
    tax             bigint      not null,
    total           bigint      not null,
    amount_due      bigint      not null check (amount_due >= 0),
    amount_paid     bigint      not null default 0 check (amount_paid >= 0),
    tax_rate_bp     integer     not null default 0,
    period_start    timestamptz,
    period_end      timestamptz,
    -- For subscription_cycle invoices: the paid period it bills (period_number), its unique key.
    period_number   integer,
    -- The billing profile as it was at finalization: an issued invoice never changes.
    customer        jsonb       not null default '{}',
    paid_note       text,
    created_at      timestamptz not null,
    finalized_at    timestamptz,
    due_at          timestamptz,
    paid_at         timestamptz,
    voided_at       timestamptz,
    version         integer     not null default 1,
    primary key (tenant_id, invoice_id),
    check ((status = 'draft') = (number is null))
);
-- Numbers are unique across the platform by design (one issuer numbers every invoice).
create unique index invoices_number on billing.invoices (number) where number is not null;
-- One invoice per paid period of a subscription: a renewal that races another scheduler (or
-- itself after a crash) cannot issue a second one.
create unique index invoices_one_per_period on billing.invoices (tenant_id, subscription_id, period_number)
    where billing_reason = 'subscription_cycle';
create index invoices_recent on billing.invoices (tenant_id, invoice_id desc);

create table billing.invoice_lines (
    tenant_id    uuid        not null,
    invoice_id   uuid        not null,
    line_no      integer     not null,
    kind         text        not null check (kind in ('subscription', 'proration', 'item', 'discount')),
    description  text        not null,
    quantity     bigint      not null,
    unit_amount  bigint      not null,
    amount       bigint      not null,
    tax          bigint      not null,
    period_start timestamptz,
    period_end   timestamptz,
    primary key (tenant_id, invoice_id, line_no),
    foreign key (tenant_id, invoice_id) references billing.invoices
);

do $$
declare t text;
begin
  foreach t in array array['profiles', 'subscriptions', 'invoices', 'invoice_lines'] loop
    execute format('alter table billing.%I enable row level security', t);
    execute format('alter table billing.%I force row level security', t);
    execute format($p$create policy tenant_isolation on billing.%I
        using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
        with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)$p$, t);
    -- The scheduler finds due work across tenants and the console lists across tenants; every
    -- change then runs in the tenant's own transaction.
    execute format($p$create policy platform_read on billing.%I for select
        using (current_setting('app.platform', true) = 'on')$p$, t);
  end loop;
end $$;
grant select, insert, update on billing.profiles, billing.subscriptions, billing.invoices to keel_runtime;
grant select, insert on billing.invoice_lines to keel_runtime;

-- Invoice numbers: one row per issuer. The finalizing transaction locks the row, takes the
-- number and moves it on, so numbers are strictly increasing and gap-free (a finalization that
-- rolls back gives its number back with the rollback; a sequence would not). Not tenant rows:
-- the counter spans tenants and holds nothing but a number, so every transaction may use it.
create table billing.invoice_counters (
    issuer      text   primary key,
    next_number bigint not null check (next_number >= 1)
);
alter table billing.invoice_counters enable row level security;
alter table billing.invoice_counters force row level security;
create policy counter_access on billing.invoice_counters using (true) with check (true);
grant select, insert, update on billing.invoice_counters to keel_runtime;
