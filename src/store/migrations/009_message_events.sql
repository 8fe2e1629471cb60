-- Engagement and delivery events (Email Opened, Message Delivered...) name their outbox
-- message in properties.messageId; journey step counts and reports join messages to them.
-- Only those events carry the key, so the index stays small.
create index events_message_ref on events ((body->'properties'->>'messageId'))
  where (body->'properties'->>'messageId') is not null;
-- The planner needs to know how rare the key is to pick the index for a join.
create statistics events_message_ref_stats on ((body->'properties'->>'messageId')) from events;
