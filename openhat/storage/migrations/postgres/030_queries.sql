-- Combinators, bundles and data debits (mirror of sqlite/030_queries.sql), and the functions
-- endpoint-query filters call. The functions parse and compute exactly as the SQLite backend's
-- Python ones (openhat/storage/jsonsem.py), so both backends select the same records.
CREATE TABLE combinators (
    hat_id      TEXT NOT NULL,
    name        TEXT NOT NULL,
    queries     TEXT NOT NULL,  -- JSON array of EndpointQuery
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (hat_id, name)
);

CREATE TABLE bundles (
    hat_id      TEXT NOT NULL,
    bundle_id   TEXT NOT NULL,
    bundle      TEXT NOT NULL,  -- JSON object {property: PropertyQuery}
    debit_key   TEXT,           -- the data debit it belongs to, if any
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (hat_id, bundle_id)
);

CREATE TABLE data_debits (
    hat_id              TEXT NOT NULL,
    debit_key           TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    client_name         TEXT NOT NULL,
    client_url          TEXT NOT NULL,
    client_logo_url     TEXT NOT NULL,
    client_callback_url TEXT,
    application_id      TEXT,
    description         TEXT,
    legacy              BOOLEAN NOT NULL DEFAULT FALSE,
    client_user_id      TEXT,
    PRIMARY KEY (hat_id, debit_key)
);

-- One row per consent: an update adds a row, enabling accepts the newest.
CREATE TABLE data_debit_permissions (
    hat_id               TEXT NOT NULL,
    permissions_id       BIGINT GENERATED ALWAYS AS IDENTITY,
    debit_key            TEXT NOT NULL,
    created_at           BIGINT NOT NULL,
    purpose              TEXT NOT NULL,
    start_at             BIGINT NOT NULL,
    period_ms            BIGINT NOT NULL,
    cancel_at_period_end BOOLEAN NOT NULL,
    canceled_at          BIGINT,
    terms_url            TEXT NOT NULL,
    bundle_id            TEXT NOT NULL,
    conditions_id        TEXT,
    accepted             BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (hat_id, permissions_id)
);
CREATE INDEX data_debit_permissions_by_debit ON data_debit_permissions (hat_id, debit_key);

-- An ISO-8601 date or date-time (the forms jsonsem.^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-](0[0-9]|1[0-5])(:?[0-5][0-9])?)?)?$ accepts; no offset means UTC)
-- as a timestamptz, or NULL: for a non-string, another form, an impossible date, or a moment
-- outside the years 1-9999 in UTC.
CREATE FUNCTION openhat_iso_time(value jsonb) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    source text;
    moment timestamptz;
BEGIN
    IF jsonb_typeof(value) IS DISTINCT FROM 'string' THEN
        RETURN NULL;
    END IF;
    source := value #>> '{}';
    IF source !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-](0[0-9]|1[0-5])(:?[0-5][0-9])?)?)?$' THEN
        RETURN NULL;
    END IF;
    IF length(source) > 10 AND source ~ '(Z|[+-][0-9]{2}(:?[0-9]{2})?)$' THEN
        moment := source::timestamptz;
    ELSE
        moment := source::timestamp AT TIME ZONE 'UTC';
    END IF;
    IF moment < '0001-01-01 00:00:00+00' OR moment >= '10000-01-01 00:00:00+00' THEN
        RETURN NULL;
    END IF;
    RETURN moment;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;

-- to_timestamp(seconds) for a JSON number within the years 1-9999, else NULL.
CREATE FUNCTION openhat_unix_time(value jsonb) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(value) = 'number'
                 AND value::numeric BETWEEN -62135596800 AND 253402300799
           THEN to_timestamp(value::double precision) END
$$;

-- date_part in UTC, whatever the session's time zone.
CREATE FUNCTION openhat_date_part(part text, moment timestamptz) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT date_part(part, moment AT TIME ZONE 'UTC')
$$;
