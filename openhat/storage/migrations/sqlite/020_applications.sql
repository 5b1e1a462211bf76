-- Applications registered on a HAT from their manifests (the original's Application JSON),
-- with their setup status. setup_version NULL: never set up; enabled: set up and not
-- disabled since (an application token works only while its application is enabled).
CREATE TABLE applications (
    hat_id         TEXT NOT NULL REFERENCES hats (hat_id) ON DELETE CASCADE,
    application_id TEXT NOT NULL,
    manifest       TEXT NOT NULL,
    enabled        INTEGER NOT NULL DEFAULT 0,
    setup_version  TEXT,
    added_at       INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (hat_id, application_id)
) WITHOUT ROWID;
