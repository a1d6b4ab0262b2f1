-- A version per order, raised by every change of its status. The cache compares versions (CacheVersions): a read that
-- loaded an order before a change, and stored it after the change's write-through, would otherwise leave the old
-- status cached for the entry's 5 minutes (a refunded order kept showing "paid" in a test run of 2026-12-01).
ALTER TABLE orders ADD COLUMN version bigint NOT NULL DEFAULT 1;
