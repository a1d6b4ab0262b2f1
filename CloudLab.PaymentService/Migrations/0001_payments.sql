CREATE TABLE payments (
    id              uuid PRIMARY KEY,
    idempotency_key text          NOT NULL,
    order_id        uuid          NOT NULL,
    user_id         uuid          NOT NULL,
    amount          numeric(14,2) NOT NULL CHECK (amount > 0),
    currency        char(3)       NOT NULL,
    status          text          NOT NULL CHECK (status IN ('pending', 'captured', 'declined', 'refunded')),
    decline_reason  text          NULL,
    gateway_charge  text          NULL,
    created_at      timestamptz   NOT NULL DEFAULT now(),
    updated_at      timestamptz   NOT NULL DEFAULT now()
);

-- A retried charge finds its payment by key instead of charging again.
CREATE UNIQUE INDEX ux_payments_idempotency_key ON payments (idempotency_key);
CREATE INDEX ix_payments_order ON payments (order_id, created_at DESC);
CREATE INDEX ix_payments_user ON payments (user_id, created_at DESC);
-- The recovery job looks only at charges whose outcome is not known yet.
CREATE INDEX ix_payments_pending ON payments (created_at) WHERE status = 'pending';

-- The simulated gateway's own ledger: one charge per idempotency key, whatever the retries.
CREATE TABLE gateway_charges (
    idempotency_key text PRIMARY KEY,
    charge_id       text          NOT NULL,
    amount          numeric(14,2) NOT NULL,
    currency        char(3)       NOT NULL,
    outcome         text          NOT NULL CHECK (outcome IN ('captured', 'declined')),
    decline_reason  text          NULL,
    refunded_at     timestamptz   NULL,
    created_at      timestamptz   NOT NULL DEFAULT now()
);
