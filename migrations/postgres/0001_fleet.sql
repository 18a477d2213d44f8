-- gatewayd schema on PostgreSQL, version 1: the persisted reconnect state machine, shared by a fleet of daemons.
--
-- The same rows as the SQLite schema (migrations/0001…0008, `platforms` and `platform_events`), written by the same
-- pure state machine, plus what a fleet needs: `fleet_daemons` (each daemon's identity and heartbeat) and, on each
-- platform row, its owner lease (`owner`, `owner_until`): at most one live daemon owns a platform, and only the owner
-- may start an attempt. Times are Unix milliseconds (wall clock). Error texts are redacted before they are written.
-- The version lives in `gatewayd_schema` (PostgreSQL has no `user_version`), set in the migration's own transaction.
--
-- psql: SELECT * FROM reconnect_queue;  SELECT * FROM platform_owners;  SELECT * FROM fleet;

CREATE TABLE gatewayd_schema (
    version    integer NOT NULL PRIMARY KEY,
    name       text    NOT NULL,
    applied_at bigint  NOT NULL
);

CREATE TABLE fleet_daemons (
    owner        text   NOT NULL PRIMARY KEY,   -- unique per process start
    pid          bigint NOT NULL,
    host         text   NOT NULL,
    started_at   bigint NOT NULL,
    heartbeat_at bigint NOT NULL,               -- renewed with its platforms' leases
    stopped_at   bigint                         -- set by a graceful stop (SIGTERM); NULL while running or when killed
);

CREATE TABLE platforms (
    name                   text    NOT NULL PRIMARY KEY,
    type                   text    NOT NULL,
    state                  text    NOT NULL CHECK (state IN (
                               'connecting', 'connected', 'backing_off', 'needs_attention',
                               'paused', 'gave_up', 'disabled')),
    attempts               integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_retry_at          bigint,
    scheduled_at           bigint,
    not_before             bigint,
    last_error_class       text    CHECK (last_error_class IN ('network', 'rateLimited', 'auth', 'server', 'conflict')),
    last_error_code        text,
    last_error             text,
    first_failed_at        bigint,
    connected_since        bigint,
    stable_at              bigint,
    exhausted              boolean NOT NULL DEFAULT false,
    state_changed_at       bigint  NOT NULL,
    lease_owner            text,             -- connecting: the daemon running the attempt
    lease_until            bigint,           -- connecting: the attempt is abandoned after this
    credential_fingerprint text,
    created_at             bigint  NOT NULL,
    endpoint               text,
    -- The fleet: the daemon that owns this platform (connects it, retries it, sends its messages) and until when.
    -- A row whose owner_until has passed is anyone's: its owner stopped renewing (killed, hung, cut off).
    owner                  text,
    owner_until            bigint,
    CHECK ((state = 'backing_off') = (next_retry_at IS NOT NULL)),
    CHECK ((state = 'connecting') = (lease_owner IS NOT NULL AND lease_until IS NOT NULL)),
    CHECK ((state = 'connected') = (connected_since IS NOT NULL)),
    CHECK ((owner IS NULL) = (owner_until IS NULL)),
    -- An attempt is run only by the platform's owner.
    CHECK (lease_owner IS NULL OR lease_owner = owner)
);

CREATE INDEX platforms_due ON platforms (next_retry_at) WHERE state = 'backing_off';
CREATE INDEX platforms_leases ON platforms (lease_until) WHERE state = 'connecting';
-- "Which rows are free to claim" (never owned, or the owner's lease ran out) and "what does this daemon own".
CREATE INDEX platforms_owner_until ON platforms (owner_until);
CREATE INDEX platforms_by_owner ON platforms (owner) WHERE owner IS NOT NULL;

CREATE TABLE platform_events (
    id          bigserial NOT NULL PRIMARY KEY,
    platform    text      NOT NULL REFERENCES platforms (name) ON DELETE CASCADE,
    at          bigint    NOT NULL,
    kind        text      NOT NULL,
    from_state  text,
    to_state    text,
    attempt     integer,
    error_class text,
    detail      text,
    actor       text      NOT NULL     -- 'daemon:<owner>', 'operator:<user>', 'config'
);
CREATE INDEX platform_events_by_platform ON platform_events (platform, id);

-- What is waiting to reconnect, and when, soonest first: the same columns as SQLite's view.
CREATE VIEW reconnect_queue AS
SELECT
    name,
    type,
    attempts,
    to_char(to_timestamp(next_retry_at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS"Z"')     AS next_retry_utc,
    greatest(0, (next_retry_at - (extract(epoch FROM clock_timestamp()) * 1000)::bigint) / 1000)      AS due_in_s,
    CASE WHEN not_before IS NULL THEN NULL
         ELSE to_char(to_timestamp(not_before / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS"Z"') END AS not_before_utc,
    last_error_class                                                                                 AS error_class,
    last_error                                                                                       AS error,
    exhausted::int                                                                                   AS exhausted,
    CASE WHEN first_failed_at IS NULL THEN NULL
         ELSE to_char(to_timestamp(first_failed_at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS"Z"') END AS failing_since_utc
FROM platforms
WHERE state = 'backing_off'
ORDER BY next_retry_at, name;

-- Who owns what, and whether that owner is still renewing.
CREATE VIEW platform_owners AS
SELECT
    p.name,
    p.state,
    p.owner,
    d.host,
    d.pid,
    CASE WHEN p.owner_until IS NULL THEN NULL
         ELSE to_char(to_timestamp(p.owner_until / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS"Z"') END AS owned_until_utc,
    (p.owner_until IS NOT NULL AND p.owner_until > (extract(epoch FROM clock_timestamp()) * 1000)::bigint) AS live
FROM platforms p
LEFT JOIN fleet_daemons d ON d.owner = p.owner
ORDER BY p.name;

-- The daemons of the fleet, newest heartbeat first, with how many platforms each owns now.
CREATE VIEW fleet AS
SELECT
    d.owner,
    d.host,
    d.pid,
    to_char(to_timestamp(d.started_at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS"Z"')       AS started_utc,
    ((extract(epoch FROM clock_timestamp()) * 1000)::bigint - d.heartbeat_at) / 1000                  AS heartbeat_age_s,
    d.stopped_at IS NOT NULL                                                                          AS stopped,
    (SELECT count(*) FROM platforms p
      WHERE p.owner = d.owner AND p.owner_until > (extract(epoch FROM clock_timestamp()) * 1000)::bigint) AS platforms
FROM fleet_daemons d
ORDER BY d.heartbeat_at DESC;
