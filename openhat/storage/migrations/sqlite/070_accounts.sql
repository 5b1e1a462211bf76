-- Accounts: the users' email addresses, single-use mail tokens (password reset, email
-- verification; only their SHA-256 is kept) and the login log.
CREATE TABLE account_emails (
    hat_id        TEXT NOT NULL REFERENCES hats (hat_id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL,
    email         TEXT,     -- the verified address (password resets mail it), or NULL
    pending_email TEXT,     -- an address waiting for its verification link, or NULL
    verified_at   INTEGER,  -- unix ms
    PRIMARY KEY (hat_id, user_id)
);

CREATE TABLE mail_tokens (
    hat_id      TEXT NOT NULL REFERENCES hats (hat_id) ON DELETE CASCADE,
    token_hash  BLOB NOT NULL,
    user_id     TEXT NOT NULL,
    purpose     TEXT NOT NULL,  -- 'reset' or 'verify'
    email       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,  -- unix ms
    expires_at  INTEGER NOT NULL,  -- unix ms
    PRIMARY KEY (hat_id, token_hash)
);
CREATE INDEX mail_tokens_by_user ON mail_tokens (hat_id, user_id, purpose, created_at);

CREATE TABLE login_log (
    seq       INTEGER PRIMARY KEY,
    hat_id    TEXT NOT NULL REFERENCES hats (hat_id) ON DELETE CASCADE,
    at        INTEGER NOT NULL,  -- unix ms
    address   TEXT NOT NULL,
    username  TEXT NOT NULL,
    user_id   TEXT,              -- NULL when no such user
    outcome   TEXT NOT NULL      -- 'success', 'failure', 'throttled', 'reset'
);
CREATE INDEX login_log_by_name ON login_log (hat_id, username, seq);
CREATE INDEX login_log_by_time ON login_log (hat_id, at);
