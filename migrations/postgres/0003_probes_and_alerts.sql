-- gatewayd schema on PostgreSQL, version 3: what supervision records beside the queue — open alert incidents, the
-- reachability probe's view of each endpoint, and the watcher's own heartbeat.
--
-- The same tables as the SQLite schema's (migrations/0003_alert_incidents.sql, 0008_endpoints_and_probes.sql), shared
-- by the fleet: an incident row is the fleet's, so of two daemons that see the same failure only the one whose INSERT
-- made the row sends the alert (INSERT … ON CONFLICT DO NOTHING); a probe row is the endpoint's, whichever daemon
-- probed it (one atomic upsert a probe, so two daemons probing at once both count). `fleet_daemons.watcher_at` is
-- SQLite's `daemon_lease.watcher_at`: each daemon's reconnect watcher's heartbeat. Times are Unix milliseconds.
--
-- psql: SELECT * FROM alert_incidents;  SELECT * FROM endpoint_probes;  SELECT owner, heartbeat_at, watcher_at FROM fleet_daemons;

-- A row exists while the incident is open; it is deleted when the recovery alert is sent. Deliveries are recorded in
-- platform_events (kinds alert_sent, alert_failed) for platform subjects.
CREATE TABLE alert_incidents (
    subject   text   NOT NULL,               -- a platform name, or 'daemon' for the watcher
    kind      text   NOT NULL CHECK (kind IN ('down', 'exhausted', 'needs_attention', 'watcher_stalled')),
    opened_at bigint NOT NULL,
    detail    text,
    PRIMARY KEY (subject, kind)
);

CREATE TABLE endpoint_probes (
    endpoint          text    NOT NULL PRIMARY KEY,
    last_probe_at     bigint  NOT NULL,                 -- Unix ms of the last probe's end
    reachable         boolean NOT NULL,
    last_error        text,                             -- why the last probe failed (NULL when reachable)
    probes            integer NOT NULL DEFAULT 0,       -- probes so far, by every daemon
    unreachable_since bigint,                           -- Unix ms of the first failed probe of the current outage
    came_back_at      bigint                            -- Unix ms of the last unreachable → reachable change
);

-- The reconnect watcher's own heartbeat (NULL before its first loop); heartbeat_at is the daemon's.
ALTER TABLE fleet_daemons ADD COLUMN watcher_at bigint;

-- "Does any platform of this endpoint that this daemon owns wait after a network failure?" and "which of them to pull
-- forward": an index range of the endpoint's and owner's waiting rows, not a scan of the queue (SQLite's
-- platforms_network_waiting, with the owner, since every such question is asked by one daemon about its own rows).
CREATE INDEX platforms_network_waiting ON platforms (endpoint, owner, next_retry_at)
    WHERE state = 'backing_off' AND last_error_class = 'network';
