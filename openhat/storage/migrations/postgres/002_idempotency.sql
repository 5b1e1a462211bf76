-- Responses of writes sent with an Idempotency-Key, so a retry gets the first answer.
-- status NULL: the first request is still being processed.
CREATE TABLE idempotency_keys (
    hat_id      TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint BYTEA NOT NULL,
    status      INTEGER,
    body        BYTEA,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (hat_id, key)
);
