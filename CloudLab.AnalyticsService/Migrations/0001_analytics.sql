-- Each event is applied once: its id is recorded in the same transaction as its effect.
CREATE TABLE processed_events (
    event_id     uuid PRIMARY KEY,
    event_type   text        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);

-- Events that could not be applied (unreadable payload), kept for a person to look at.
CREATE TABLE dead_letters (
    stream_id   text PRIMARY KEY,
    event_type  text        NULL,
    payload     text        NULL,
    error       text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sales_hourly (
    bucket           timestamptz   NOT NULL,
    currency         char(3)       NOT NULL,
    orders           integer       NOT NULL DEFAULT 0,
    cancelled_orders integer       NOT NULL DEFAULT 0,
    units            integer       NOT NULL DEFAULT 0,
    revenue          numeric(16,2) NOT NULL DEFAULT 0,
    refunds          numeric(16,2) NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, currency)
);

CREATE TABLE product_sales_hourly (
    bucket     timestamptz   NOT NULL,
    product_id uuid          NOT NULL,
    orders     integer       NOT NULL DEFAULT 0,
    units      integer       NOT NULL DEFAULT 0,
    revenue    numeric(16,2) NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, product_id)
);
-- top-products scans a time range, then groups by product.
CREATE INDEX ix_product_sales_bucket ON product_sales_hourly (bucket, product_id) INCLUDE (units, revenue, orders);

CREATE TABLE user_summaries (
    user_id          uuid PRIMARY KEY,
    registered_at    timestamptz   NULL,
    orders           integer       NOT NULL DEFAULT 0,
    cancelled_orders integer       NOT NULL DEFAULT 0,
    spent            numeric(16,2) NOT NULL DEFAULT 0,
    refunded         numeric(16,2) NOT NULL DEFAULT 0,
    last_order_at    timestamptz   NULL
);
