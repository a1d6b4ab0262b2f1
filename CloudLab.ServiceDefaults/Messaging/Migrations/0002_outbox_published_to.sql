-- Which Redis server (its run id) took each published row. When the server the relay talks to changes, the rows the
-- previous one took last may not have reached its disk (the append-only file is synced once a second): the relay
-- queues them again. Consumers are idempotent by event id, so a copy that did survive costs a duplicate read only.
ALTER TABLE outbox_messages ADD COLUMN published_to text NULL;
