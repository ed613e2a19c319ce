-- The session lookup as the one-statement-at-a-time scripts (s1-read, s2-list, s3-write, s6-order)
-- send it: a read across tenants under the platform scope (PlatformDatabase.read); sent one
-- statement at a time, the scope needs a transaction around it. (The pipelined scripts send
-- [scope; lookup] in one pipeline instead, with no begin or commit.)
begin isolation level read committed;
select set_config('app.platform', 'on', true), set_config('lock_timeout', '5s', true), set_config('statement_timeout', '30s', true);
-- include: session-lookup.sql
commit;
