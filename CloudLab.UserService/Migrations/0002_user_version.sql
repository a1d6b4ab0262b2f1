-- A version per user, raised by every change of the profile. The cache compares versions (CacheVersions): the two
-- replicas' write-throughs of one user's updates can reach Redis in either order, and a read that loaded the profile
-- before an update can store it after the update's write; without versions the older profile stayed cached for the
-- entry's 15 minutes.
ALTER TABLE users ADD COLUMN version bigint NOT NULL DEFAULT 1;
