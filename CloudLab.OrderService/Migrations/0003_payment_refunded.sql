-- A refund made in PaymentService moves the order (PaymentRefunded events): a paid order is cancelled, a shipped one
-- becomes 'refunded'. payment_refunded says the payment is known refunded already, so that giving back what a
-- cancelled order took releases its stock and never asks for a second refund.
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check
    CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled', 'refunded')) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_status_check;
ALTER TABLE orders ADD COLUMN payment_refunded boolean NOT NULL DEFAULT false;
