CREATE TABLE orders (
    id         uuid PRIMARY KEY,
    user_id    uuid          NOT NULL,
    status     text          NOT NULL CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled')),
    total      numeric(14,2) NOT NULL,
    currency   char(3)       NOT NULL,
    payment_id uuid          NULL,
    created_at timestamptz   NOT NULL DEFAULT now(),
    updated_at timestamptz   NOT NULL DEFAULT now()
);

CREATE TABLE order_items (
    order_id   uuid          NOT NULL REFERENCES orders (id),
    product_id uuid          NOT NULL,
    quantity   integer       NOT NULL CHECK (quantity > 0),
    unit_price numeric(12,2) NOT NULL,
    PRIMARY KEY (order_id, product_id)
);

-- "My orders", newest first.
CREATE INDEX ix_orders_user_created ON orders (user_id, created_at DESC, id DESC);
-- Back-office views by status.
CREATE INDEX ix_orders_status_created ON orders (status, created_at DESC);
-- Active orders (not yet shipped or cancelled): a small slice of a large table.
CREATE INDEX ix_orders_active ON orders (created_at) WHERE status IN ('pending', 'paid');

-- One row per (user, Idempotency-Key): the saga's progress, and the answer a retry gets.
CREATE TABLE order_requests (
    user_id         uuid        NOT NULL,
    idempotency_key text        NOT NULL,
    request_hash    text        NOT NULL,
    order_id        uuid        NOT NULL UNIQUE,
    state           text        NOT NULL CHECK (state IN ('started', 'completed', 'failed')),
    failure         jsonb       NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, idempotency_key)
);
-- The recovery job finds sagas that stopped half-way.
CREATE INDEX ix_order_requests_started ON order_requests (created_at) WHERE state = 'started';
