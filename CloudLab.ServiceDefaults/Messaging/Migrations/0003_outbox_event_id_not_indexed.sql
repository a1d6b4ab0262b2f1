-- An event's id is a fresh UUIDv7 made by the insert itself, unique by construction, and nothing looks a row up by it
-- (consumers deduplicate by it in their own tables). Its unique index was one more entry written for every event and
-- again for every publication (the relay's update changes published_at, which two partial indexes name, so it is never
-- heap-only): about a thousand index insertions a second at the order target, for nothing.
ALTER TABLE outbox_messages DROP CONSTRAINT IF EXISTS outbox_messages_event_id_key;
