-- Coupons (discounts on a subscription's invoices) and credit notes (money given back against
-- an issued invoice), with the customer balance credit notes on paid invoices create.

-- The platform's coupons. Not tenant rows: every tenant may look a code up; only the platform
-- path creates them. A redemption moves `times_redeemed` from a tenant's transaction, so the
-- runtime role may update that one column (a column grant), nothing else.
create table billing.coupons (
    coupon_id        uuid        primary key,
    code             text        not null unique check (code ~ '^[A-Z0-9][A-Z0-9-]{2,39}$'),
    name             text        not null check (length(name) between 1 and 100),
    percent_off_bp   integer     check (percent_off_bp between 1 and 10000),
    amount_off       bigint      check (amount_off > 0),
    currency         text        check (currency ~ '^[A-Z]{3}$'),
    duration         text        not null check (duration in ('once', 'repeating', 'forever')),
    duration_periods integer     check (duration_periods between 1 and 120),
    max_redemptions  integer     check (max_redemptions > 0),
    redeem_by        timestamptz,
    times_redeemed   integer     not null default 0,
    created_at       timestamptz not null,
    check ((percent_off_bp is null) <> (amount_off is null)),
    check ((amount_off is null) = (currency is null)),
    check ((duration = 'repeating') = (duration_periods is not null)),
    check (max_redemptions is null or times_redeemed <= max_redemptions)
);
alter table billing.coupons enable row level security;
alter table billing.coupons force row level security;
create policy catalog_read on billing.coupons for select using (true);
create policy platform_write on billing.coupons for all
    using (current_setting('app.platform', true) = 'on') with check (current_setting('app.platform', true) = 'on');
-- A redemption counts itself from the tenant's transaction (the column grant below limits it
-- to `times_redeemed`; the check constraint keeps it within `max_redemptions`).
create policy redemption_count on billing.coupons for update using (true) with check (true);
grant select, insert on billing.coupons to keel_runtime;
grant update (times_redeemed) on billing.coupons to keel_runtime;

-- A tenant's use of a coupon: at most once per tenant and coupon, and at most one live on a
-- subscription. `periods_applied` counts the invoices it has discounted.
create table billing.coupon_redemptions (
    tenant_id       uuid        not null,
    redemption_id   uuid        not null,
    coupon_id       uuid        not null references billing.coupons,
    subscription_id uuid        not null,
    periods_applied integer     not null default 0,
    ended           boolean     not null default false,
    redeemed_at     timestamptz not null,
    primary key (tenant_id, redemption_id),
    unique (tenant_id, coupon_id)
);
create unique index coupon_redemptions_one_live on billing.coupon_redemptions (tenant_id, subscription_id) where not ended;

-- Credit notes: staff give money back against an issued invoice, with a reason and lines.
-- Their numbers come from the same kind of locked counter as invoices (issuer `<issuer>-cn`).
create table billing.credit_notes (
    tenant_id       uuid        not null,
    credit_note_id  uuid        not null,
    invoice_id      uuid        not null,
    number          text        not null,
    reason          text        not null,
    currency        text        not null check (currency ~ '^[A-Z]{3}$'),
    amount          bigint      not null check (amount > 0),
    -- What it did: lowered the open invoice's amount due, and/or credited the customer balance.
    applied_to_invoice bigint   not null default 0 check (applied_to_invoice >= 0),
    credited_balance   bigint   not null default 0 check (credited_balance >= 0),
    created_by_staff uuid,
    created_at      timestamptz not null,
    primary key (tenant_id, credit_note_id),
    foreign key (tenant_id, invoice_id) references billing.invoices,
    check (applied_to_invoice + credited_balance = amount)
);
create unique index credit_notes_number on billing.credit_notes (number);

create table billing.credit_note_lines (
    tenant_id      uuid    not null,
    credit_note_id uuid    not null,
    line_no        integer not null,
    description    text    not null,
    amount         bigint  not null check (amount > 0),
    primary key (tenant_id, credit_note_id, line_no),
    foreign key (tenant_id, credit_note_id) references billing.credit_notes
);

-- The customer balance: credit the next invoices consume before anything is due.
alter table billing.profiles add column balance bigint not null default 0 check (balance >= 0);
-- What an invoice took from the balance, and what credit notes took off it.
alter table billing.invoices add column balance_applied bigint not null default 0 check (balance_applied >= 0);
alter table billing.invoices add column credited bigint not null default 0 check (credited >= 0);
alter table billing.invoices add constraint invoices_credit_within_total check (credited <= greatest(total, 0));

do $$
declare t text;
begin
  foreach t in array array['coupon_redemptions', 'credit_notes', 'credit_note_lines'] loop
    execute format('alter table billing.%I enable row level security', t);
    execute format('alter table billing.%I force row level security', t);
    execute format($p$create policy tenant_isolation on billing.%I
        using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
        with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)$p$, t);
    execute format($p$create policy platform_read on billing.%I for select
        using (current_setting('app.platform', true) = 'on')$p$, t);
  end loop;
end $$;
grant select, insert, update on billing.coupon_redemptions to keel_runtime;
grant select, insert on billing.credit_notes, billing.credit_note_lines to keel_runtime;
