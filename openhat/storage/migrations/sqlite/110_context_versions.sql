-- Context versions: counters the database raises itself, by trigger, whenever what
-- authenticates a request changes, so that every process's cache of request contexts
-- (openhat/hats/contexts.py) sees the change on its very next request. Scope '' is the
-- deployment's (which HATs exist and where: hats, hat_directory); any other scope is a HAT's
-- id (its row, keys, users, applications). A scope without a row has never changed: 0.
CREATE TABLE context_versions (
    scope   TEXT PRIMARY KEY,
    version INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER users_context_insert AFTER INSERT ON users BEGIN
    INSERT INTO context_versions (scope, version) VALUES (NEW.hat_id, 1) ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER users_context_update AFTER UPDATE ON users BEGIN
    INSERT INTO context_versions (scope, version) VALUES (NEW.hat_id, 1) ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER users_context_delete AFTER DELETE ON users BEGIN
    INSERT INTO context_versions (scope, version) VALUES (OLD.hat_id, 1) ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER signing_keys_context_insert AFTER INSERT ON signing_keys BEGIN
    INSERT INTO context_versions (scope, version) VALUES (NEW.hat_id, 1) ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER signing_keys_context_update AFTER UPDATE ON signing_keys BEGIN
    INSERT INTO context_versions (scope, version) VALUES (NEW.hat_id, 1) ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER signing_keys_context_delete AFTER DELETE ON signing_keys BEGIN
    INSERT INTO context_versions (scope, version) VALUES (OLD.hat_id, 1) ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER applications_context_insert AFTER INSERT ON applications BEGIN
    INSERT INTO context_versions (scope, version) VALUES (NEW.hat_id, 1) ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER applications_context_update AFTER UPDATE ON applications BEGIN
    INSERT INTO context_versions (scope, version) VALUES (NEW.hat_id, 1) ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER applications_context_delete AFTER DELETE ON applications BEGIN
    INSERT INTO context_versions (scope, version) VALUES (OLD.hat_id, 1) ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER hats_context_insert AFTER INSERT ON hats BEGIN
    INSERT INTO context_versions (scope, version) VALUES (NEW.hat_id, 1) ON CONFLICT (scope) DO UPDATE SET version = version + 1;
    INSERT INTO context_versions (scope, version) VALUES ('', 1) ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER hats_context_update AFTER UPDATE ON hats BEGIN
    INSERT INTO context_versions (scope, version) VALUES (NEW.hat_id, 1) ON CONFLICT (scope) DO UPDATE SET version = version + 1;
    INSERT INTO context_versions (scope, version) VALUES ('', 1) ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER hats_context_delete AFTER DELETE ON hats BEGIN
    INSERT INTO context_versions (scope, version) VALUES (OLD.hat_id, 1) ON CONFLICT (scope) DO UPDATE SET version = version + 1;
    INSERT INTO context_versions (scope, version) VALUES ('', 1) ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER hat_directory_context_insert AFTER INSERT ON hat_directory BEGIN
    INSERT INTO context_versions (scope, version) VALUES ('', 1) ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER hat_directory_context_update AFTER UPDATE ON hat_directory BEGIN
    INSERT INTO context_versions (scope, version) VALUES ('', 1) ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER hat_directory_context_delete AFTER DELETE ON hat_directory BEGIN
    INSERT INTO context_versions (scope, version) VALUES ('', 1) ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;
