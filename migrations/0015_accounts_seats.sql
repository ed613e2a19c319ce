-- Seats (docs/orders.md): a tenant may have as many active people as its plan allows, plus the
-- extra seats it bought. Billing tells Accounts the plan's seats with its subscription events
-- (newest wins, as for `billing_blocked`); Orders tells it of extra seats delivered. `seat_limit`
-- null: unlimited (no subscription heard of yet, or a plan without a limit).

alter table accounts.tenants
    add column seat_limit  integer check (seat_limit is null or seat_limit > 0),
    add column extra_seats integer not null default 0 check (extra_seats >= 0);
