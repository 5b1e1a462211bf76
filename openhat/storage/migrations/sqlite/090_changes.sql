-- The change log (docs/events.md): what each unit of work changed, written in the same
-- transaction as the change, for event streams and webhooks in every process.
-- change_counters: the last event id a HAT has handed out, and the newest id dropped from
-- the retained window (a resume from an older id cannot be answered in full).
CREATE TABLE change_counters (
    hat_id         TEXT PRIMARY KEY,
    last_id        INTEGER NOT NULL,
    pruned_through INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
-- One row per kind and endpoint of a unit of work: events last_id - count + 1 .. last_id,
-- one per id of record_ids (a JSON array). kind 'cleared': a whole endpoint (count 1, no
-- ids); kind 'access': a change to who may read what (never delivered, count 1).
CREATE TABLE change_events (
    hat_id     TEXT NOT NULL,
    last_id    INTEGER NOT NULL,
    count      INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    endpoint   TEXT,
    record_ids TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (hat_id, last_id)
) WITHOUT ROWID;
CREATE INDEX change_events_created ON change_events (created_at);
