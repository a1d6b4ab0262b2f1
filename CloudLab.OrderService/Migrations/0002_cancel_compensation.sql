-- A cancelled order whose stock release or refund has not been confirmed yet. Cancelling commits first and gives
-- back stock and money afterwards, outside the row lock; CancelledOrderRecovery retries until both are done.
ALTER TABLE orders ADD COLUMN compensation_due boolean NOT NULL DEFAULT false;
CREATE INDEX ix_orders_compensation_due ON orders (updated_at) WHERE compensation_due;
