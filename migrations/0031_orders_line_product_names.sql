-- An order line keeps its product's code and name as they were when the line was written, as it
-- keeps its unit price: the order says what was bought, whatever the catalog says later. Reading
-- an order (and a page of fifty) no longer joins the catalog once per line: docs/benchmarks.md, S5.

alter table orders.order_lines add column product_code text;
alter table orders.order_lines add column product_name text;

-- Row-level security binds this migration too: it reads as the platform, and writes each
-- tenant's lines in that tenant's scope.
do $$
declare r record;
begin
  perform set_config('app.platform', 'on', true);
  for r in select distinct tenant_id from orders.order_lines loop
    perform set_config('app.tenant_id', r.tenant_id::text, true);
    update orders.order_lines l set product_code = p.code, product_name = p.name
      from orders.products p
     where p.product_id = l.product_id and l.tenant_id = r.tenant_id;
  end loop;
  perform set_config('app.tenant_id', '', true);
  perform set_config('app.platform', '', true);
end $$;

alter table orders.order_lines alter column product_code set not null;
alter table orders.order_lines alter column product_name set not null;

-- A line written without them (a tenant archive exported before this migration and imported
-- after it) takes them from the catalog, as the update above did. Keel itself writes both.
create function orders.order_line_product_names() returns trigger language plpgsql as $$
begin
  select p.code, p.name into new.product_code, new.product_name
    from orders.products p where p.product_id = new.product_id;
  if not found then
    raise exception using errcode = 'foreign_key_violation',
      message = format('order line %s of order %s refers to product %s, which the catalog does not have',
                       new.line_no, new.order_id, new.product_id);
  end if;
  return new;
end $$;
create trigger order_lines_product_names before insert on orders.order_lines
    for each row when (new.product_code is null or new.product_name is null)
    execute function orders.order_line_product_names();
