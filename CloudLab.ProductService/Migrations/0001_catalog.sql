CREATE TABLE categories (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX ux_categories_name ON categories (lower(name));

CREATE TABLE products (
    id          uuid PRIMARY KEY,
    name        text          NOT NULL,
    description text          NOT NULL DEFAULT '',
    category_id uuid          NOT NULL REFERENCES categories (id),
    price       numeric(12,2) NOT NULL CHECK (price >= 0),
    currency    char(3)       NOT NULL,
    stock       integer       NOT NULL CHECK (stock >= 0),
    status      text          NOT NULL CHECK (status IN ('active', 'inactive', 'discontinued')),
    created_at  timestamptz   NOT NULL DEFAULT now(),
    updated_at  timestamptz   NOT NULL DEFAULT now()
);

-- Lists are ordered by (name, id); each filter combination has an index that serves it in that order.
CREATE INDEX ix_products_name ON products (name, id);
CREATE INDEX ix_products_category ON products (category_id);
CREATE INDEX ix_products_category_status ON products (category_id, status, name, id);
CREATE INDEX ix_products_status ON products (status, name, id);
-- "Available" products (active and in stock): the storefront's default view.
CREATE INDEX ix_products_available ON products (name, id) WHERE status = 'active' AND stock > 0;
-- q= is a case-insensitive name prefix.
CREATE INDEX ix_products_name_prefix ON products (lower(name) text_pattern_ops);
