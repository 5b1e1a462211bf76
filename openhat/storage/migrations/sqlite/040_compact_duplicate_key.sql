-- Duplicate detection through an 8-byte digest of (hat_id, endpoint, hash) instead of a
-- unique index on the three: a far smaller index, so a batch's commit rewrites far fewer
-- pages (see openhat/storage/sqlite_duplicates.py; the exact check happens on lookup).
ALTER TABLE records ADD COLUMN dup_key INTEGER NOT NULL DEFAULT 0;
UPDATE records SET dup_key = hat_duplicate_key(hat_id, endpoint, hash);
DROP INDEX records_no_duplicates;
CREATE INDEX records_by_dup_key ON records (dup_key);
