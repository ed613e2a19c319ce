-- Billing's invoice events find their order by invoice (every invoice event asks). A database
-- that applied 0014 as it landed at 3a636ea has this index already (migrations/superseded.txt).
create index if not exists orders_by_invoice on orders.orders (tenant_id, invoice_id) where invoice_id is not null;
