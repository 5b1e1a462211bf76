-- The access audit log (mirror of sqlite/091_audit.sql, docs/audit.md).
CREATE TABLE audit_log (
    hat_id     TEXT NOT NULL,
    entry_id   TEXT NOT NULL,
    at         BIGINT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id   TEXT,
    action     TEXT NOT NULL,
    object     TEXT NOT NULL,
    endpoint   TEXT,
    count      INTEGER,
    client     TEXT,
    outcome    TEXT NOT NULL,
    status     INTEGER NOT NULL,
    PRIMARY KEY (hat_id, entry_id)
);
CREATE INDEX audit_log_newest ON audit_log (hat_id, at DESC, entry_id DESC);
CREATE INDEX audit_log_at ON audit_log (at);
