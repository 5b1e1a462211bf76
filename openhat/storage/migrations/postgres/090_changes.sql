-- The change log (mirror of sqlite/090_changes.sql, docs/events.md).
CREATE TABLE change_counters (
    hat_id         TEXT PRIMARY KEY,
    last_id        BIGINT NOT NULL,
    pruned_through BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE change_events (
    hat_id     TEXT NOT NULL,
    last_id    BIGINT NOT NULL,
    count      INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    endpoint   TEXT,
    record_ids TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (hat_id, last_id)
);
CREATE INDEX change_events_created ON change_events (created_at);
