CREATE TABLE users (
    id               uuid PRIMARY KEY,
    email            text        NOT NULL,
    normalized_email text        NOT NULL,
    password_hash    text        NOT NULL,
    name             text        NOT NULL,
    role             text        NOT NULL CHECK (role IN ('customer', 'admin')),
    preferences      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Log-in and registration look users up by e-mail, case-insensitively; it is unique that way too.
CREATE UNIQUE INDEX ux_users_email ON users (normalized_email);
-- The admin list: newest first.
CREATE INDEX ix_users_created_at ON users (created_at DESC, id DESC);
