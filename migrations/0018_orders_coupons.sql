-- An order may carry a coupon code (Billing's coupons): kept on the draft, redeemed by Billing
-- when the order is placed, and the discount it gave recorded from the invoice.
alter table orders.orders
    add column coupon_code text check (coupon_code ~ '^[A-Z0-9][A-Z0-9-]{2,39}$'),
    add column discount    bigint not null default 0 check (discount >= 0);
