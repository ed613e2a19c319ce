-- The staff account lifecycle (issue 20): a per-account back-off for console sign-in, like
-- tenant users' (accounts.login_failures), and recovery codes for the console's TOTP.

-- Failed console sign-ins per member and source address: past five, that address waits
-- 1 s, 2 s, 4 s … (at most 15 minutes) between tries. Someone guessing from elsewhere never
-- locks the real member out.
create table platform.staff_login_failures (
    staff_id       uuid        not null references platform.staff (staff_id) on delete cascade,
    source         text        not null,
    failures       integer     not null default 0,
    last_failed_at timestamptz not null,
    blocked_until  timestamptz,
    primary key (staff_id, source)
);

-- Single-use codes for when the authenticator is lost: stored as SHA-256, like users'.
create table platform.staff_recovery_codes (
    staff_id  uuid        not null references platform.staff (staff_id) on delete cascade,
    code_hash bytea       not null,
    used_at   timestamptz,
    primary key (staff_id, code_hash)
);

do $$
declare t text;
begin
  foreach t in array array['staff_login_failures', 'staff_recovery_codes'] loop
    execute format('alter table platform.%I enable row level security', t);
    execute format('alter table platform.%I force row level security', t);
    execute format($p$create policy platform_access on platform.%I
        using (current_setting('app.platform', true) = 'on')
        with check (current_setting('app.platform', true) = 'on')$p$, t);
  end loop;
end $$;
grant select, insert, update, delete on platform.staff_login_failures, platform.staff_recovery_codes to keel_runtime;
