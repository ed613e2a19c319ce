-- The Keel processes serving this database, each keeping its row fresh with a heartbeat
-- (Storage's InstanceRegistry). A process divides each global rate limit by the number of rows
-- of its group seen in the last fifteen seconds, so N instances together allow the limit, not
-- N times it (docs/scaling.md). Times are the database's clock, so instances on hosts whose
-- clocks disagree still agree on who is alive. A row not refreshed for an hour is deleted by the
-- next heartbeat of any instance; a process that stops cleanly deletes its own.
create table platform.instances (
    instance_id uuid        primary key,
    instance_group text     not null,
    host        text        not null,
    pid         integer     not null,
    started_at  timestamptz not null,
    seen_at     timestamptz not null
);
create index instances_group_seen on platform.instances (instance_group, seen_at);

alter table platform.instances enable row level security;
alter table platform.instances force row level security;
create policy platform_access on platform.instances
    using (current_setting('app.platform', true) = 'on')
    with check (current_setting('app.platform', true) = 'on');
grant select, insert, update, delete on platform.instances to keel_runtime;
