-- A version per product, raised by every write (an admin update, a reservation, a release). It is the product's ETag:
-- an update must name the version it was based on, so it cannot silently overwrite stock reserved in between.
ALTER TABLE products ADD COLUMN version bigint NOT NULL DEFAULT 1;
