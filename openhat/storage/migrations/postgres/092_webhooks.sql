-- Webhooks (mirror of sqlite/092_webhooks.sql, docs/events.md).
CREATE TABLE webhooks (
    hat_id            TEXT NOT NULL,
    webhook_id        TEXT NOT NULL,
    application_id    TEXT NOT NULL,
    url               TEXT NOT NULL,
    endpoints         TEXT NOT NULL,
    secret            TEXT NOT NULL,
    delivered_through BIGINT NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   BIGINT NOT NULL DEFAULT 0,
    lease_until       BIGINT NOT NULL DEFAULT 0,
    last_error        TEXT,
    created_at        BIGINT NOT NULL,
    PRIMARY KEY (hat_id, webhook_id)
);
