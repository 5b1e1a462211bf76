-- Files (mirror of sqlite/060_files.sql): each file's metadata, who may see it, and the
-- HAT's secret that signs the local blob store's upload and download URLs.
-- status: 'New' (uploading), 'Completed' (size known), 'Deleted' (bytes removed).
CREATE TABLE files (
    hat_id         TEXT NOT NULL,
    file_id        TEXT NOT NULL,
    name           TEXT NOT NULL,
    source         TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    tags           TEXT,  -- JSON array of strings, or NULL
    title          TEXT,
    description    TEXT,
    source_url     TEXT,
    content_type   TEXT,
    status         TEXT NOT NULL,
    size           BIGINT,
    content_public BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (hat_id, file_id)
);

CREATE TABLE file_access (
    hat_id           TEXT NOT NULL,
    file_id          TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    content_readable BOOLEAN NOT NULL,
    PRIMARY KEY (hat_id, file_id, user_id)
);

CREATE TABLE file_secrets (
    hat_id TEXT NOT NULL,
    secret TEXT NOT NULL,  -- hex, the HMAC key of the HAT's signed blob URLs
    PRIMARY KEY (hat_id)
);
