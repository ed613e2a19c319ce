-- Orders' core (docs/orders.md): the platform's product catalog, and each tenant's orders with
-- their lines and timeline. Orders never reads Billing's tables: an order's invoice is Billing's,
-- known here by its id and by Billing's events. Amounts are bigint minor units beside an ISO
-- 4217 code (Kernel.Money).

create schema if not exists orders;
grant usage on schema orders to keel_runtime;

-- What tenants can buy beyond their plan. Platform rows: every tenant reads the price list,
-- only the platform path writes it. `fulfilment`: `automatic` products (add-ons) are delivered
-- when paid; `manual` ones (services, goods) by staff.
create table orders.products (
    product_id uuid        primary key,
    code       text        not null unique check (code ~ '^[a-z][a-z0-9-]{1,39}$'),
    name       text        not null check (length(name) between 1 and 100),
    description text       not null default '',
    fulfilment text        not null check (fulfilment in ('automatic', 'manual')),
    status     text        not null default 'active' check (status in ('active', 'retired')),
    created_at timestamptz not null
);

create table orders.product_prices (
    product_id uuid   not null references orders.products,
    currency   text   not null check (currency ~ '^[A-Z]{3}$'),
    amount     bigint not null check (amount > 0),
    primary key (product_id, currency)
);

insert into orders.products (product_id, code, name, description, fulfilment, created_at) values
    ('01900000-0000-7000-8000-0000000000a1', 'extra-seats', 'Five extra seats',
     'Five more people in your organisation, for as long as the subscription lasts.', 'automatic', now()),
    ('01900000-0000-7000-8000-0000000000a2', 'onboarding', 'Onboarding session',
     'Two hours with our team to set your organisation up.', 'manual', now());
insert into orders.product_prices (product_id, currency, amount) values
    ('01900000-0000-7000-8000-0000000000a1', 'USD', 2500),
    ('01900000-0000-7000-8000-0000000000a1', 'EUR', 2500),
    ('01900000-0000-7000-8000-0000000000a1', 'GBP', 2200),
    ('01900000-0000-7000-8000-0000000000a1', 'JPY', 3800),
    ('01900000-0000-7000-8000-0000000000a2', 'USD', 50000),
    ('01900000-0000-7000-8000-0000000000a2', 'EUR', 50000),
    ('01900000-0000-7000-8000-0000000000a2', 'GBP', 42000),
    ('01900000-0000-7000-8000-0000000000a2', 'JPY', 75000);

-- A tenant's order. Its status and its payment status are two columns (two state machines,
-- Domain/OrderLifecycle.swift). `total` is what the lines add up to; frozen when placed, with
-- the invoice Billing issued for it.
create table orders.orders (
    tenant_id      uuid        not null,
    order_id       uuid        not null,
    status         text        not null default 'draft'
                   check (status in ('draft', 'placed', 'partially_fulfilled', 'fulfilled', 'canceled')),
    payment_status text        not null default 'unpaid'
                   check (payment_status in ('unpaid', 'failed', 'paid', 'partially_refunded', 'refunded')),
    currency       text        not null check (currency ~ '^[A-Z]{3}$'),
    total          bigint      not null default 0 check (total >= 0),
    invoice_id     uuid,
    created_by     uuid,
    version        integer     not null default 1,
    created_at     timestamptz not null,
    placed_at      timestamptz,
    updated_at     timestamptz not null,
    primary key (tenant_id, order_id),
    check ((status = 'draft') = (placed_at is null) or status = 'canceled')
);
create index orders_recent on orders.orders (tenant_id, order_id desc);

-- An order's lines: a product, a quantity, and its unit price (read from the catalog while a
-- draft, frozen when placed). `fulfilled` counts what was delivered.
create table orders.order_lines (
    tenant_id   uuid    not null,
    order_id    uuid    not null,
    line_no     integer not null check (line_no > 0),
    product_id  uuid    not null references orders.products,
    quantity    integer not null check (quantity between 1 and 1000),
    unit_amount bigint  not null check (unit_amount > 0),
    fulfilled   integer not null default 0 check (fulfilled >= 0),
    primary key (tenant_id, order_id, line_no),
    foreign key (tenant_id, order_id) references orders.orders,
    check (fulfilled <= quantity)
);

-- The order's timeline: every change, with who made it, in order (docs/orders.md).
create table orders.order_events (
    tenant_id   uuid        not null,
    event_id    uuid        not null,
    order_id    uuid        not null,
    kind        text        not null,
    actor       text        not null check (actor in ('tenant', 'staff', 'system')),
    actor_id    uuid,
    detail      jsonb       not null default '{}',
    occurred_at timestamptz not null,
    primary key (tenant_id, event_id),
    foreign key (tenant_id, order_id) references orders.orders
);
create index order_events_timeline on orders.order_events (tenant_id, order_id, occurred_at, event_id);

do $$
declare t text;
begin
  foreach t in array array['products', 'product_prices'] loop
    execute format('alter table orders.%I enable row level security', t);
    execute format('alter table orders.%I force row level security', t);
    execute format($p$create policy catalog_read on orders.%I for select using (true)$p$, t);
    execute format($p$create policy platform_write on orders.%I for all
        using (current_setting('app.platform', true) = 'on') with check (current_setting('app.platform', true) = 'on')$p$, t);
  end loop;
  foreach t in array array['orders', 'order_lines', 'order_events'] loop
    execute format('alter table orders.%I enable row level security', t);
    execute format('alter table orders.%I force row level security', t);
    execute format($p$create policy tenant_isolation on orders.%I
        using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
        with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)$p$, t);
    execute format($p$create policy platform_read on orders.%I for select
        using (current_setting('app.platform', true) = 'on')$p$, t);
  end loop;
end $$;
grant select, insert, update on orders.products, orders.product_prices to keel_runtime;
grant select, insert, update on orders.orders to keel_runtime;
grant select, insert, update, delete on orders.order_lines to keel_runtime;
grant select, insert on orders.order_events to keel_runtime;
