-- Files (the /files routes): each file's metadata, who may see it, and the HAT's secret
-- that signs the local blob store's upload and download URLs. A file's bytes live in the
-- blob store (openhat/files), under the HAT's id and the file's id.
-- status: 'New' (uploading), 'Completed' (size known), 'Deleted' (bytes removed).
CREATE TABLE files (
    hat_id         TEXT NOT NULL,
    file_id        TEXT NOT NULL,
    name           TEXT NOT NULL,
    source         TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    tags           TEXT,  -- JSON array of strings, or NULL
    title          TEXT,
    description    TEXT,
    source_url     TEXT,
    content_type   TEXT,
    status         TEXT NOT NULL,
    size           INTEGER,
    content_public INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (hat_id, file_id)
) WITHOUT ROWID;

CREATE TABLE file_access (
    hat_id           TEXT NOT NULL,
    file_id          TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    content_readable INTEGER NOT NULL,
    PRIMARY KEY (hat_id, file_id, user_id)
) WITHOUT ROWID;

CREATE TABLE file_secrets (
    hat_id TEXT PRIMARY KEY,
    secret TEXT NOT NULL  -- hex, the HMAC key of the HAT's signed blob URLs
);
