-- Each registration of an application has its own id, carried by the tokens issued under it
-- (claim `applicationRegistration`): an application removed and registered again under the
-- same id is a new registration, so the old tokens stay refused. Applications registered
-- before this migration keep '' (tokens issued before it carry no claim: '' too).
ALTER TABLE applications ADD COLUMN registration TEXT NOT NULL DEFAULT '';
