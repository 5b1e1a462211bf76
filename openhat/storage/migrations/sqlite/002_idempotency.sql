-- Responses of writes sent with an Idempotency-Key, so a retry gets the first answer.
-- status NULL: the first request is still being processed.
CREATE TABLE idempotency_keys (
    hat_id      TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint BLOB NOT NULL,
    status      INTEGER,
    body        BLOB,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (hat_id, key)
) WITHOUT ROWID;
