-- The HAT directory: HATs whose rows live in another database than this (home) one, by
-- domain. A HAT stored here needs no entry, so a single-database deployment has none.
-- A small table read by every process (under Citus: a reference table).
CREATE TABLE hat_directory (
    hat_id       TEXT NOT NULL,
    domain       TEXT NOT NULL,
    database_url TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (hat_id)
);
CREATE INDEX hat_directory_by_domain ON hat_directory (domain);
