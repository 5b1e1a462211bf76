-- HATs, their signing keys and users; records and link groups.
-- Every table leads with hat_id, so one database can hold many HATs.
CREATE TABLE hats (
    hat_id      TEXT PRIMARY KEY,
    domain      TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE signing_keys (
    hat_id      TEXT NOT NULL REFERENCES hats (hat_id) ON DELETE CASCADE,
    kid         TEXT NOT NULL,
    private_pem TEXT NOT NULL,
    public_pem  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER,
    revoked     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (hat_id, kid)
);

CREATE TABLE users (
    hat_id              TEXT NOT NULL REFERENCES hats (hat_id) ON DELETE CASCADE,
    user_id             TEXT NOT NULL,
    username            TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    roles               TEXT NOT NULL,  -- JSON array of role strings, e.g. ["owner"]
    enabled             INTEGER NOT NULL DEFAULT 1,
    password_changed_at INTEGER NOT NULL,
    PRIMARY KEY (hat_id, user_id),
    UNIQUE (hat_id, username)
);

-- seq is the rowid: a monotonic insertion order, the default read order.
CREATE TABLE records (
    seq         INTEGER PRIMARY KEY,
    hat_id      TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    endpoint    TEXT NOT NULL,
    data        TEXT NOT NULL,
    hash        BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX records_by_id ON records (hat_id, record_id);
CREATE UNIQUE INDEX records_no_duplicates ON records (hat_id, endpoint, hash);
CREATE INDEX records_by_endpoint ON records (hat_id, endpoint, seq);

-- A link group: records saved together (batch links) or linked with /data-link.
CREATE TABLE record_links (
    hat_id    TEXT NOT NULL,
    group_id  TEXT NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (hat_id, group_id, record_id)
) WITHOUT ROWID;
CREATE INDEX record_links_by_record ON record_links (hat_id, record_id);
