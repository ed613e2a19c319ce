-- Bulk actions (issue 20): a staff member's action on many tenants or users, run in the
-- background one row at a time. Each row is its own audited change (its audit entry's request id
-- is `bulk-job/<job id>`); a failed row is recorded and the rest go on; a row done is never done
-- again, so running a job again takes only its failed rows.
create table platform.bulk_jobs (
    job_id       uuid        primary key,
    action       text        not null,
    staff_id     uuid        not null references platform.staff (staff_id),
    staff_email  text        not null,
    reason       text        not null,
    share_reason boolean     not null default false,
    total        integer     not null,
    created_at   timestamptz not null default now(),
    finished_at  timestamptz
);

create table platform.bulk_job_items (
    job_id       uuid        not null references platform.bulk_jobs (job_id) on delete cascade,
    position     integer     not null,
    -- What the row acts on. Not `tenant_id`: these are the platform's records about tenants, not
    -- rows a tenant owns (a tenant's export does not carry them; row-level security keeps them
    -- to the platform path).
    target_tenant_id uuid    not null,
    target_user_id   uuid,
    label        text        not null,
    status       text        not null default 'pending'
                             check (status in ('pending', 'running', 'done', 'skipped', 'failed')),
    error        text,
    locked_until timestamptz,
    done_at      timestamptz,
    primary key (job_id, position)
);
create index bulk_job_items_due on platform.bulk_job_items (job_id, position) where status in ('pending', 'running');

do $$
declare t text;
begin
  foreach t in array array['bulk_jobs', 'bulk_job_items'] loop
    execute format('alter table platform.%I enable row level security', t);
    execute format('alter table platform.%I force row level security', t);
    execute format($p$create policy platform_access on platform.%I
        using (current_setting('app.platform', true) = 'on')
        with check (current_setting('app.platform', true) = 'on')$p$, t);
  end loop;
end $$;
grant select, insert, update on platform.bulk_jobs, platform.bulk_job_items to keel_runtime;
