-- Secrets at rest (docs/security.md). TOTP secrets, webhook signing secrets and stored
-- idempotent answers are now sealed by the server (AES-256-GCM, KEEL_ENCRYPTION_KEYS) in the
-- columns they were in; rows written before stay readable until `keel secrets rotate` seals
-- them. What SQL can do without the keys is done here:
--
-- A queued email's single-use token no longer sits in its body: the body holds a placeholder
-- and `secret` the sealed token, which the sender puts in at sending and clears once sent.
alter table notifications.messages add column secret text;

-- Emails sent before this kept their token in the body for ever: their bodies are purged (the
-- delivery log keeps recipient, subject, kind and times). So are the tokens in the outbox
-- payloads of events already handled; events not yet handled keep theirs until they are.
select set_config('app.platform', 'on', true);
update notifications.messages
   set text_body = '(Purged: this message held a single-use link.)',
       html_body = '<p>(Purged: this message held a single-use link.)</p>'
 where status = 'sent' and kind in ('verify_email', 'password_reset', 'invitation');
update platform.outbox
   set payload = jsonb_set(payload, '{token}', '"(purged)"')
 where status = 'delivered' and payload ? 'token'
   and event_type in ('accounts.email_verification_requested.v1', 'accounts.password_reset_requested.v1',
                      'accounts.invitation_created.v1');
select set_config('app.platform', '', true);

-- Old mail is deleted after KEEL_MAIL_RETENTION_DAYS (the sender's hourly purge), and the
-- development mailbox with it.
grant delete on notifications.messages, notifications.mailbox to keel_runtime;
create index messages_created on notifications.messages (created_at);
