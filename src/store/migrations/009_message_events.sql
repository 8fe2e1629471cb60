-- Engagement and delivery events (Email Opened, Message Delivered...) name their outbox
-- message in properties.messageId; journey step counts and reports join messages to them.
-- Only those events carry the key, so the index stays small.
create index events_message_ref on events ((body->'properties'->>'messageId'))
  where (body->'properties'->>'messageId') is not null;
