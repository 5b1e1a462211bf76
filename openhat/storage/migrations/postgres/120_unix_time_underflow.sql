-- A unix time too small for a double (1e-400) made the cast to double precision raise
-- "value out of range: underflow", failing the whole query; it is the epoch, as any time
-- below half a microsecond is (to_timestamp rounds to microseconds), and as on SQLite.
CREATE OR REPLACE FUNCTION openhat_unix_time(value jsonb) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(value) <> 'number'
                  OR value::numeric NOT BETWEEN -62135596800 AND 253402300799 THEN NULL
                WHEN abs(value::numeric) < 1e-300 THEN to_timestamp(0)
                ELSE to_timestamp(value::double precision) END
$$;
