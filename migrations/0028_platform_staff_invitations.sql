-- Staff invited by email (issue 20): the member exists from the invitation on, with no usable
-- password; the emailed link (48 hours, once) opens their first sign-in, which sets a password
-- and TOTP as a one-time password's does. Only the link token's SHA-256 is kept.
alter table platform.staff add column invite_token_hash bytea, add column invite_expires_at timestamptz;
create unique index staff_invite_token on platform.staff (invite_token_hash) where invite_token_hash is not null;
