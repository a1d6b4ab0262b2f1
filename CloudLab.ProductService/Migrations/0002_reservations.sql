-- Stock held for an order. One row per order id makes reserve and release idempotent; a release that arrives
-- before its reservation leaves a 'released' row, so the late reservation is refused instead of leaking stock.
CREATE TABLE reservations (
    order_id    uuid PRIMARY KEY,
    status      text        NOT NULL CHECK (status IN ('reserved', 'released')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    released_at timestamptz NULL
);

CREATE TABLE reservation_items (
    order_id   uuid    NOT NULL REFERENCES reservations (order_id),
    product_id uuid    NOT NULL REFERENCES products (id),
    quantity   integer NOT NULL CHECK (quantity > 0),
    unit_price numeric(12,2) NOT NULL,
    currency   char(3)       NOT NULL,
    PRIMARY KEY (order_id, product_id)
);
CREATE INDEX ix_reservation_items_product ON reservation_items (product_id);
