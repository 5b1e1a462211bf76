-- Applications registered on a HAT from their manifests (mirror of sqlite/020_applications.sql).
-- setup_version NULL: never set up; enabled: set up and not disabled since (an application
-- token works only while its application is enabled).
CREATE TABLE applications (
    hat_id         TEXT NOT NULL REFERENCES hats (hat_id) ON DELETE CASCADE,
    application_id TEXT NOT NULL,
    manifest       TEXT NOT NULL,
    enabled        BOOLEAN NOT NULL DEFAULT FALSE,
    setup_version  TEXT,
    added_at       BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (hat_id, application_id)
);
