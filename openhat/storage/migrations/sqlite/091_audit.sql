-- The access audit log (docs/audit.md): who read or changed what, when, from where, and
-- with what outcome. actor_kind: owner, application, debit, user or anonymous.
CREATE TABLE audit_log (
    hat_id     TEXT NOT NULL,
    entry_id   TEXT NOT NULL,  -- time-ordered (UUIDv7): stable across a HAT move
    at         INTEGER NOT NULL,
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
) WITHOUT ROWID;
CREATE INDEX audit_log_newest ON audit_log (hat_id, at DESC, entry_id DESC);
CREATE INDEX audit_log_at ON audit_log (at);
