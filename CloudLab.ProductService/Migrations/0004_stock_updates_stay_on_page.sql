-- Every reservation and release changes a product's stock: hundreds of row updates a second at the order target. An
-- index that names stock, even only in its predicate, makes each of those updates write a new entry into every one of
-- the table's indexes (PostgreSQL can do a heap-only "HOT" update only when no indexed column changes). That was
-- ix_products_available: seven index insertions per stock change, and index bloat that every later look-up walked.
-- "Active and in stock" pages are served by ix_products_status (status, name, id) with stock as a filter: most active
-- products are in stock, so the scan stops after about as many rows. Pages keep a tenth free for the new versions.
DROP INDEX IF EXISTS ix_products_available;
ALTER TABLE products SET (fillfactor = 90);
