-- A version per payment, raised by every change of its status (settled, refunded). The cache compares versions
-- (CacheVersions): a read that loaded a payment before a refund, and stored it after the refund's write-through, would
-- otherwise leave it cached as captured for the entry's 5 minutes.
ALTER TABLE payments ADD COLUMN version bigint NOT NULL DEFAULT 1;
