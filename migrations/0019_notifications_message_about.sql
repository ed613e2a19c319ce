-- What an email is about, when another module owns it (`order/<id>`): when it is sent,
-- Notifications tells that module (`EmailSent`), which keeps it on its own record (an order's
-- timeline).
alter table notifications.messages add column about text;
