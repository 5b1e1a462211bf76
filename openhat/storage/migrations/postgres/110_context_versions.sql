-- Context versions (mirror of sqlite/110_context_versions.sql): counters the database raises itself, by trigger, whenever what
-- authenticates a request changes, so that every process's cache of request contexts
-- (openhat/hats/contexts.py) sees the change on its very next request. Scope '' is the
-- deployment's (which HATs exist and where: hats, hat_directory); any other scope is a HAT's
-- id (its row, keys, users, applications). A scope without a row has never changed: 0.
CREATE TABLE context_versions (
    scope   TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);

CREATE FUNCTION context_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    scope_of TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        scope_of := OLD.hat_id;
    ELSE
        scope_of := NEW.hat_id;
    END IF;
    IF TG_TABLE_NAME IN ('hats', 'hat_directory') THEN
        INSERT INTO context_versions (scope, version) VALUES ('', 1)
            ON CONFLICT (scope) DO UPDATE SET version = context_versions.version + 1;
    END IF;
    IF TG_TABLE_NAME <> 'hat_directory' THEN
        INSERT INTO context_versions (scope, version) VALUES (scope_of, 1)
            ON CONFLICT (scope) DO UPDATE SET version = context_versions.version + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER users_context AFTER INSERT OR UPDATE OR DELETE ON users FOR EACH ROW EXECUTE FUNCTION context_changed();
CREATE TRIGGER signing_keys_context AFTER INSERT OR UPDATE OR DELETE ON signing_keys FOR EACH ROW EXECUTE FUNCTION context_changed();
CREATE TRIGGER applications_context AFTER INSERT OR UPDATE OR DELETE ON applications FOR EACH ROW EXECUTE FUNCTION context_changed();
CREATE TRIGGER hats_context AFTER INSERT OR UPDATE OR DELETE ON hats FOR EACH ROW EXECUTE FUNCTION context_changed();
CREATE TRIGGER hat_directory_context AFTER INSERT OR UPDATE OR DELETE ON hat_directory FOR EACH ROW EXECUTE FUNCTION context_changed();
