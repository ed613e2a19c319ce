-- One-off invoices (an order's lines, docs/orders.md) name what they are for, `order/<id>`:
-- one invoice per source, so a retried "place" finds the first instead of billing twice.
alter table billing.invoices add column source text check (source is null or length(source) between 1 and 100);
create unique index invoices_one_per_source on billing.invoices (tenant_id, source) where source is not null;
