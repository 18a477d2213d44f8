-- gatewayd schema, version 8: where each platform connects, and what the reachability probe last saw there.
--
-- A platform waiting after a network-class failure has its endpoint probed (DNS + TCP connect + TLS handshake: no
-- login) every few seconds; when the endpoint comes back, its waiting platforms are pulled forward, so recovery
-- after an outage takes a probe interval plus a login instead of the rest of a backoff (ARCHITECTURE.md,
-- "Supervision"). The endpoint is also the key of the login budget that paces attempts.
--
-- sqlite3: SELECT name, endpoint, state, last_error_class FROM platforms;
--          SELECT * FROM endpoint_probes;

-- `tls://api.telegram.org:443`, `tcp://irc.example.net:6667`; NULL for a platform that connects nowhere
-- (simulated). Written from the configuration at every start.
ALTER TABLE platforms ADD COLUMN endpoint TEXT;

-- "Does any platform of this endpoint wait after a network failure?" and "which of them to pull forward": an index
-- lookup per endpoint, not a scan of the queue.
CREATE INDEX platforms_network_waiting ON platforms (endpoint, next_retry_at)
    WHERE state = 'backing_off' AND last_error_class = 'network';

CREATE TABLE endpoint_probes (
    endpoint          TEXT    NOT NULL PRIMARY KEY,
    last_probe_at     INTEGER NOT NULL,                 -- Unix ms of the last probe's end
    reachable         INTEGER NOT NULL CHECK (reachable IN (0, 1)),
    last_error        TEXT,                             -- why the last probe failed (NULL when reachable)
    probes            INTEGER NOT NULL DEFAULT 0,       -- probes so far
    unreachable_since INTEGER,                          -- Unix ms of the first failed probe of the current outage
    came_back_at      INTEGER                           -- Unix ms of the last unreachable → reachable change
) STRICT;
