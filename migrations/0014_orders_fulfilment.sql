-- Orders after payment (docs/orders.md): what the order's invoice was paid and refunded (as
-- Billing's events and answers report it, never read from Billing's tables), whom to tell
-- (the billing profile's address and name at placement, from the invoice Billing issued), when
-- it was canceled, and an index for the staff console's platform-wide list.

alter table orders.orders
    add column amount_paid   bigint check (amount_paid >= 0),
    add column refunded      bigint not null default 0 check (refunded >= 0),
    add column notify_email  text,
    add column customer_name text,
    add column canceled_at   timestamptz,
    add check (amount_paid is null or refunded <= amount_paid);

-- Newest first across tenants (order ids are time-ordered v7 UUIDs).
create index orders_platform_recent on orders.orders (order_id desc);
