-- HATs, their signing keys and users; records and link groups (mirror of sqlite/001_core.sql).
-- Every primary key and unique constraint leads with hat_id, so one database can hold many
-- HATs and a distributed engine (Citus) can shard every table by hat_id.
CREATE TABLE hats (
    hat_id      TEXT NOT NULL,
    domain      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (hat_id)
);
-- Looking a HAT up by its domain is the first step of every request. Not a UNIQUE constraint
-- (it would not lead with hat_id); create_hat and rename_hat keep domains unique under a lock.
CREATE INDEX hats_by_domain ON hats (domain);

CREATE TABLE signing_keys (
    hat_id      TEXT NOT NULL REFERENCES hats (hat_id) ON DELETE CASCADE,
    kid         TEXT NOT NULL,
    private_pem TEXT NOT NULL,
    public_pem  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    retired_at  BIGINT,
    revoked     BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (hat_id, kid)
);

CREATE TABLE users (
    hat_id              TEXT NOT NULL REFERENCES hats (hat_id) ON DELETE CASCADE,
    user_id             TEXT NOT NULL,
    username            TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    roles               TEXT NOT NULL,  -- JSON array of role strings, e.g. ["owner"]
    enabled             BOOLEAN NOT NULL DEFAULT TRUE,
    password_changed_at BIGINT NOT NULL,
    PRIMARY KEY (hat_id, user_id),
    UNIQUE (hat_id, username)
);

-- seq: a monotonic insertion order, the default read order. Records carry no foreign key to
-- hats: a per-row check would cost bulk ingest; writers lock the HAT's row once instead.
CREATE TABLE records (
    hat_id      TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    seq         BIGINT GENERATED ALWAYS AS IDENTITY,
    endpoint    TEXT NOT NULL,
    data        JSONB NOT NULL,
    hash        BYTEA NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (hat_id, record_id)
);
ALTER TABLE records ADD CONSTRAINT records_no_duplicates UNIQUE (hat_id, endpoint, hash);
CREATE INDEX records_by_endpoint ON records (hat_id, endpoint, seq);

-- A link group: records saved together (batch links) or linked with /data-link.
CREATE TABLE record_links (
    hat_id    TEXT NOT NULL,
    group_id  TEXT NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (hat_id, group_id, record_id)
);
CREATE INDEX record_links_by_record ON record_links (hat_id, record_id);
