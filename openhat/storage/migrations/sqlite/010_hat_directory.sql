-- The HAT directory: HATs whose rows live in another database than this (home) one, by
-- domain. A HAT stored here needs no entry, so a single-database deployment has none.
CREATE TABLE hat_directory (
    hat_id       TEXT NOT NULL PRIMARY KEY,
    domain       TEXT NOT NULL,
    database_url TEXT NOT NULL,
    updated_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX hat_directory_by_domain ON hat_directory (domain);
