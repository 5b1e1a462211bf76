-- The status of the built-in SHE functions on each HAT (mirror of sqlite/100_she_functions.sql).
-- A function without a row has never been enabled. Times are unix milliseconds.
CREATE TABLE she_functions (
    hat_id             TEXT NOT NULL REFERENCES hats (hat_id) ON DELETE CASCADE,
    function_id        TEXT NOT NULL,
    enabled            BOOLEAN NOT NULL,
    last_execution     BIGINT,
    execution_started  BIGINT,
    PRIMARY KEY (hat_id, function_id)
);
