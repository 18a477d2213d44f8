-- gatewayd schema, version 1: the persisted reconnect state machine.
-- Times are Unix milliseconds (wall clock). Error texts are redacted before they are written.
-- Operators: see README.md ("The database") for the columns and sqlite3 recipes.

CREATE TABLE platforms (
    name                   TEXT    NOT NULL PRIMARY KEY,
    type                   TEXT    NOT NULL,
    state                  TEXT    NOT NULL CHECK (state IN (
                               'connecting', 'connected', 'backing_off', 'needs_attention',
                               'paused', 'gave_up', 'disabled')),
    -- attempts made in the current failure streak; counted when an attempt starts, so an attempt
    -- interrupted by a crash is still counted. Reset only after a stable period, or by an operator.
    attempts               INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_retry_at          INTEGER,          -- backing_off: when the next attempt is due
    scheduled_at           INTEGER,          -- when next_retry_at was computed (detects a clock moved backwards)
    not_before             INTEGER,          -- the server's "not before" (retry_after, 429), if any
    last_error_class       TEXT    CHECK (last_error_class IN ('network', 'rateLimited', 'auth', 'server', 'conflict')),
    last_error_code        TEXT,             -- platform code: HTTP status, close code, numeric
    last_error             TEXT,             -- redacted, human-readable
    first_failed_at        INTEGER,          -- start of the current failure streak
    connected_since        INTEGER,          -- connected: when the connection came up
    stable_at              INTEGER,          -- connected: when the connection counts as stable (backoff resets then)
    exhausted              INTEGER NOT NULL DEFAULT 0 CHECK (exhausted IN (0, 1)), -- max attempts reached, slow cadence
    state_changed_at       INTEGER NOT NULL,
    lease_owner            TEXT,             -- connecting: the daemon instance running the attempt
    lease_until            INTEGER,          -- connecting: the attempt is abandoned after this
    credential_fingerprint TEXT,             -- a one-way digest of the credentials, never the secret
    created_at             INTEGER NOT NULL,
    CHECK ((state = 'backing_off') = (next_retry_at IS NOT NULL)),
    CHECK ((state = 'connecting') = (lease_owner IS NOT NULL AND lease_until IS NOT NULL)),
    CHECK ((state = 'connected') = (connected_since IS NOT NULL))
) STRICT;

-- "When is the next retry due?" and "which rows are due now?" are lookups in this index.
CREATE INDEX platforms_due ON platforms (next_retry_at) WHERE state = 'backing_off';
-- Connected rows whose failure streak has yet to be forgiven once they are stable.
CREATE INDEX platforms_stabilizing ON platforms (stable_at) WHERE state = 'connected' AND attempts > 0;

-- Append-only history, bounded per platform (the newest N rows are kept).
CREATE TABLE platform_events (
    id          INTEGER NOT NULL PRIMARY KEY,
    platform    TEXT    NOT NULL REFERENCES platforms (name) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    from_state  TEXT,
    to_state    TEXT,
    attempt     INTEGER,
    error_class TEXT,
    detail      TEXT,                        -- redacted
    actor       TEXT    NOT NULL             -- 'daemon', 'operator:<user>', 'config'
) STRICT;
CREATE INDEX platform_events_by_platform ON platform_events (platform, id);

-- Inbound positions (Telegram update offset, Discord session/seq, ...), one value per (platform, key).
CREATE TABLE platform_cursors (
    platform   TEXT    NOT NULL REFERENCES platforms (name) ON DELETE CASCADE,
    key        TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (platform, key)
) STRICT, WITHOUT ROWID;

-- One daemon per database: the holder's identity and heartbeat. A second daemon refuses to start while the
-- heartbeat is fresh. watcher_at is the reconnect watcher's own heartbeat (a stalled watcher is visible).
CREATE TABLE daemon_lease (
    id           INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    owner        TEXT    NOT NULL,
    pid          INTEGER NOT NULL,
    host         TEXT    NOT NULL,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    watcher_at   INTEGER
) STRICT;

-- What is waiting to reconnect, and when, soonest first:  sqlite3 gateway.db 'select * from reconnect_queue'
CREATE VIEW reconnect_queue AS
SELECT
    name,
    type,
    attempts,
    strftime('%Y-%m-%d %H:%M:%fZ', next_retry_at / 1000.0, 'unixepoch')                   AS next_retry_utc,
    max(0, (next_retry_at - CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) / 1000) AS due_in_s,
    CASE WHEN not_before IS NULL THEN NULL
         ELSE strftime('%Y-%m-%d %H:%M:%fZ', not_before / 1000.0, 'unixepoch') END        AS not_before_utc,
    last_error_class                                                                       AS error_class,
    last_error                                                                             AS error,
    exhausted,
    CASE WHEN first_failed_at IS NULL THEN NULL
         ELSE strftime('%Y-%m-%d %H:%M:%SZ', first_failed_at / 1000.0, 'unixepoch') END   AS failing_since_utc
FROM platforms
WHERE state = 'backing_off'
ORDER BY next_retry_at, name;
