-- A coupon can discount a one-off invoice (an order placed with a code, docs/orders.md) as well
-- as a subscription: its redemption then names the invoice's source (`order/<id>`) instead of a
-- subscription, and is used up at once. A tenant still redeems a code once, wherever.
alter table billing.coupon_redemptions
    alter column subscription_id drop not null,
    add column source text,
    add check ((subscription_id is null) <> (source is null));
