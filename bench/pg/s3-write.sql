-- S3 reference: the statements of one POST /v1/invitations with a fresh Idempotency-Key, as Keel
-- sends them (captured with log_statement = all): the session lookup; the key's claim in a
-- transaction of its own (IdempotencyKeys.begin, durable); then the work in one transaction
-- (InvitationsUseCase.invite: inviter, tenant, address check, revoke pending, insert, outbox row
-- with its NOTIFY, audit row, the key completed with the response; durable).
-- Variables: tokenhash, tenant, user (the inviter), scope ('tenant/<tenant>/user/<user>').
-- Per transaction: n, a random number standing in for the key and the invitee's address (Keel
-- passes strings; the same one-parameter text values here). Ids Keel makes in Swift are made
-- with gen_random_uuid() here; the token hash with sha256(). The outbox rows carry an event type
-- no module subscribes to, so Keel's dispatcher (running beside) only marks them delivered; the
-- invitation email that Keel's own requests cause is Keel's work, not the reference's.
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
select user_id, tenant_id, email, name, role, status, version, created_at, email_verified_at,
mfa_enabled_at is not null as mfa_enabled, locked_at, lock_reason from accounts.users where tenant_id = :tenant and user_id = :user;
select tenant_id, slug, name, status, version, created_at, require_mfa from accounts.tenants where tenant_id = :tenant;
select 1 from accounts.users
where tenant_id = :tenant and lower(email) = lower(:n) and (null::uuid is null or user_id <> null);
update accounts.invitations set revoked_at = now()
where tenant_id = :tenant and lower(email) = lower(:n)
  and accepted_at is null and revoked_at is null and expires_at > now();
insert into accounts.invitations (tenant_id, invitation_id, email, role, token_hash, invited_by, expires_at)
values (:tenant, gen_random_uuid(), :n, 'member', sha256(:n::bytea), :user, now() + interval '7 days')
returning invitation_id, email, role, invited_by, expires_at, created_at, accepted_at, revoked_at,
case when accepted_at is not null then 'accepted' when revoked_at is not null then 'revoked'
     when expires_at <= now() then 'expired' else 'pending' end as state;
with event as (
    insert into platform.outbox (tenant_id, id, event_type, payload)
    values (:tenant, gen_random_uuid(), 'bench.reference.v1', '{"role": "member", "email": "reference-0000000000000000@bench.test", "token": "keeli_KSWjaVEXZIGrwvOkO7_No_M6CsjM34iWciZn87dQu_Q", "tenantID": "01a1fd6d-0e62-7157-b4c6-dd714f5b9487", "expiresAt": "2026-11-28T09:25:58Z", "tenantName": "Bench", "inviterName": "Owner", "invitationID": "01a1fd6d-40dd-7c49-af25-6a62b2f8cdc8"}')
    returning id)
select pg_notify('keel_outbox', '') from event;
insert into platform.audit_log
    (tenant_id, audit_id, actor_user_id, actor_staff_id, action, target, request_id, before, after,
     reason, occurred_at)
values (:tenant, gen_random_uuid(), :user, null, 'invitation.created',
        'invitation/01a1fd6d-40dd-7c49-af25-6a62b2f8cdc8', '2fa8bc4b-b8e8-40ac-80c3-dc2e2f2ff606', null,
        '{"role": "member", "email": "reference-0000000000000000@bench.test"}', null, now());
update platform.idempotency_keys
set state = 'done', status = 201, headers = '{"content-type": "application/json"}',
    body = '\x7b22637265617465645f6174223a22323032362d31312d32315430393a32353a35385a222c22656d61696c223a2278324062656e63682e74657374222c22657870697265735f6174223a22323032362d31312d32385430393a32353a35385a222c226964223a2230316131666436642d343064642d376334392d616632352d366136326232663863646338222c22696e76697465645f6279223a2230316131666436642d306536322d373832332d623634612d306236333636633937366462222c22726f6c65223a226d656d626572222c227374617465223a2270656e64696e67227d'::bytea
where scope = :scope and key = :n and claim = :claim and state = 'running'
returning 1;
commit;
