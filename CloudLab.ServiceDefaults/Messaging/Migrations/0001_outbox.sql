-- Events a service has committed with its own data, waiting to be published to the Redis stream.
CREATE TABLE outbox_messages (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id     uuid        NOT NULL UNIQUE,
    event_type   text        NOT NULL,
    payload      jsonb       NOT NULL,
    occurred_at  timestamptz NOT NULL,
    published_at timestamptz NULL
);

-- The relay reads only what is unpublished, oldest first.
CREATE INDEX ix_outbox_unpublished ON outbox_messages (id) WHERE published_at IS NULL;
CREATE INDEX ix_outbox_published_at ON outbox_messages (published_at) WHERE published_at IS NOT NULL;
