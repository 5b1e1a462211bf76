-- Combinators, bundles and data debits (v2.6 and legacy v2 debits share these tables).
CREATE TABLE combinators (
    hat_id      TEXT NOT NULL,
    name        TEXT NOT NULL,
    queries     TEXT NOT NULL,  -- JSON array of EndpointQuery
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (hat_id, name)
) WITHOUT ROWID;

CREATE TABLE bundles (
    hat_id      TEXT NOT NULL,
    bundle_id   TEXT NOT NULL,
    bundle      TEXT NOT NULL,  -- JSON object {property: PropertyQuery}
    debit_key   TEXT,           -- the data debit it belongs to, if any
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (hat_id, bundle_id)
) WITHOUT ROWID;

CREATE TABLE data_debits (
    hat_id              TEXT NOT NULL,
    debit_key           TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    client_name         TEXT NOT NULL,
    client_url          TEXT NOT NULL,
    client_logo_url     TEXT NOT NULL,
    client_callback_url TEXT,
    application_id      TEXT,
    description         TEXT,
    legacy              INTEGER NOT NULL DEFAULT 0,
    client_user_id      TEXT,
    PRIMARY KEY (hat_id, debit_key)
) WITHOUT ROWID;

-- One row per consent: an update adds a row, enabling accepts the newest.
CREATE TABLE data_debit_permissions (
    permissions_id       INTEGER PRIMARY KEY,
    hat_id               TEXT NOT NULL,
    debit_key            TEXT NOT NULL,
    created_at           INTEGER NOT NULL,
    purpose              TEXT NOT NULL,
    start_at             INTEGER NOT NULL,
    period_ms            INTEGER NOT NULL,
    cancel_at_period_end INTEGER NOT NULL,
    canceled_at          INTEGER,
    terms_url            TEXT NOT NULL,
    bundle_id            TEXT NOT NULL,
    conditions_id        TEXT,
    accepted             INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX data_debit_permissions_by_debit ON data_debit_permissions (hat_id, debit_key);
