-- Webhooks (docs/events.md): a callback URL an application (or the owner, application_id
-- '') registered for endpoints it may read. delivered_through: the last event id delivered
-- (or skipped); a failed delivery is tried again at next_attempt_at, attempts so far.
-- lease_until: a process delivering holds the webhook until then (one delivery at a time).
CREATE TABLE webhooks (
    hat_id            TEXT NOT NULL,
    webhook_id        TEXT NOT NULL,
    application_id    TEXT NOT NULL,
    url               TEXT NOT NULL,
    endpoints         TEXT NOT NULL,
    secret            TEXT NOT NULL,
    delivered_through INTEGER NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER NOT NULL DEFAULT 0,
    lease_until       INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT,
    created_at        INTEGER NOT NULL,
    PRIMARY KEY (hat_id, webhook_id)
) WITHOUT ROWID;
