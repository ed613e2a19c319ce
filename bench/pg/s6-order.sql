-- S6 reference: the statements of one POST /v1/orders with a fresh Idempotency-Key (a draft of
-- two lines: one onboarding session, two extra-seat packs), as Keel sends them (captured with
-- log_statement = all): the session lookup; the key's claim in a transaction of its own
-- (IdempotencyKeys.begin, durable); then the work in one transaction (CreateDraftOrderUseCase:
-- the price list, the order, its lines in one insert, the timeline entry, the audit entry, the
-- order read back with its lines in one statement, the key completed with the response; durable).
-- Variables: tokenhash, tenant, user (the buyer), scope ('tenant/<tenant>/user/<user>').
-- Per transaction: n, a random number standing in for the key. Ids Keel makes in Swift are made
-- with gen_random_uuid() here. The products are the two the migrations seed.
-- Every transaction's first statement sets its scope and, in the same statement, the lock and
-- statement timeouts (Transaction.run).
\set n random(1000000000, 9000000000000000)
-- The session lookup, one statement at a time (in a transaction, for its platform scope).
-- include: session-lookup-scoped.sql
begin isolation level read committed;
select set_config('app.tenant_id', :tenant, true), set_config('lock_timeout', '5s', true), set_config('statement_timeout', '30s', true);
insert into platform.idempotency_keys (scope, key, tenant_id, fingerprint, state, claim, locked_until)
values (:scope, :n, :tenant, sha256(:n::bytea), 'running', gen_random_uuid(),
        now() + make_interval(secs => 60))
on conflict (scope, key) do update
    set claim = excluded.claim, locked_until = excluded.locked_until, created_at = now()
    where idempotency_keys.state = 'running' and idempotency_keys.locked_until < now()
      and idempotency_keys.fingerprint = excluded.fingerprint
returning claim, set_config('synchronous_commit', 'off', true) as async_commit \gset
commit;
begin isolation level read committed;
select set_config('app.tenant_id', :tenant, true), set_config('lock_timeout', '5s', true), set_config('statement_timeout', '30s', true);
select p.product_id, p.code, p.name, p.description, p.fulfilment, p.status,
coalesce((select array_agg(pp.currency || ':' || pp.amount order by pp.currency)
            from orders.product_prices pp where pp.product_id = p.product_id), '{}') as prices
from orders.products p where p.status = 'active' order by p.name;
select gen_random_uuid() as order_id \gset
insert into orders.orders (tenant_id, order_id, currency, total, coupon_code, created_by, created_at, updated_at)
values (:tenant, :order_id, 'USD', 55000, null, :user, now(), now());
insert into orders.order_lines (tenant_id, order_id, line_no, product_id, product_code, product_name, quantity, unit_amount)
select :tenant, :order_id, l.line_no, l.product_id, p.code, p.name, l.quantity, l.unit_amount
  from unnest(array['01900000-0000-7000-8000-0000000000a2', '01900000-0000-7000-8000-0000000000a1']::uuid[],
              array[1, 2]::int8[], array[50000, 2500]::int8[])
       with ordinality as l(product_id, quantity, unit_amount, line_no)
  left join orders.products p on p.product_id = l.product_id;
insert into orders.order_events (tenant_id, event_id, order_id, kind, actor, actor_id, detail, occurred_at)
values (:tenant, gen_random_uuid(), :order_id, 'created', 'tenant', :user, '{"lines": "2", "total": "550.00 USD"}', now());
insert into platform.audit_log
    (tenant_id, audit_id, actor_user_id, actor_staff_id, action, target, request_id, before, after,
     reason, occurred_at)
values (:tenant, gen_random_uuid(), :user, null, 'order.created', 'order/' || :order_id,
        'b2435220-cb5a-4305-96b7-31e1abe2102e', null, '{"total": "550.00 USD"}', null, now());
select o.tenant_id, o.order_id, o.status, o.payment_status, o.currency, o.total, o.coupon_code, o.discount,
       o.amount_paid, o.refunded, o.invoice_id, o.version, o.created_at, o.placed_at, o.canceled_at,
       l.line_no, l.quantity, l.unit_amount, l.fulfilled, l.product_code, l.product_name
  from (select o.tenant_id, o.order_id, o.status, o.payment_status, o.currency, o.total, o.coupon_code, o.discount,
               o.amount_paid, o.refunded, o.invoice_id, o.version, o.created_at, o.placed_at, o.canceled_at
          from orders.orders o where o.tenant_id = :tenant and o.order_id = :order_id order by o.order_id desc) o
  left join lateral (
       select l.line_no, l.quantity, l.unit_amount, l.fulfilled, l.product_code, l.product_name
         from orders.order_lines l
        where l.tenant_id = o.tenant_id and l.order_id = o.order_id
       offset 0) l on true
 order by o.order_id desc, o.tenant_id, l.line_no;
update platform.idempotency_keys
set state = 'done', status = 201, headers = '{"content-type": "application/json"}',
    body = '\x7b22637265617465645f6174223a22323032362d31322d30355430363a31363a31385a222c2263757272656e6379223a22555344222c226964223a2230316132343464382d613638382d373466622d623165632d353631333832653263373236222c226c696e6573223a5b7b22616d6f756e74223a7b22616d6f756e74223a35303030302c2263757272656e6379223a22555344227d2c2266756c66696c6c6564223a302c226e756d626572223a312c2270726f64756374223a226f6e626f617264696e67222c2270726f647563745f6e616d65223a224f6e626f617264696e672073657373696f6e222c227175616e74697479223a312c22756e69745f616d6f756e74223a7b22616d6f756e74223a35303030302c2263757272656e6379223a22555344227d7d2c7b22616d6f756e74223a7b22616d6f756e74223a353030302c2263757272656e6379223a22555344227d2c2266756c66696c6c6564223a302c226e756d626572223a322c2270726f64756374223a2265787472612d7365617473222c2270726f647563745f6e616d65223a2246697665206578747261207365617473222c227175616e74697479223a322c22756e69745f616d6f756e74223a7b22616d6f756e74223a323530302c2263757272656e6379223a22555344227d7d5d2c227061796d656e745f737461747573223a22756e70616964222c22726566756e646564223a7b22616d6f756e74223a302c2263757272656e6379223a22555344227d2c22737461747573223a226472616674222c22746f74616c223a7b22616d6f756e74223a35353030302c2263757272656e6379223a22555344227d2c2276657273696f6e223a317d'::bytea
where scope = :scope and key = :n and claim = :claim and state = 'running'
returning 1;
commit;
