-- What a product grants when delivered, per piece: `seats` more people for the tenant (the
-- `extra-seats` add-on: five). Accounts adds them when Orders reports the delivery.

alter table orders.products add column seats integer check (seats is null or seats > 0);

-- The catalog's row-level security binds the owner too (it is forced): the update writes as the
-- platform, for this transaction only.
select set_config('app.platform', 'on', true);
update orders.products set seats = 5 where code = 'extra-seats';
