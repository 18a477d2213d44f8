-- gatewayd schema, version 3: open alert incidents, so an alert fires once per incident — also across restarts.
-- A row exists while the incident is open; it is deleted when the recovery alert is sent. Deliveries are recorded
-- in platform_events (kinds alert_sent, alert_failed) for platform subjects.

CREATE TABLE alert_incidents (
    subject   TEXT    NOT NULL,              -- a platform name, or 'daemon' for the watcher
    kind      TEXT    NOT NULL CHECK (kind IN ('down', 'exhausted', 'needs_attention', 'watcher_stalled')),
    opened_at INTEGER NOT NULL,
    detail    TEXT,
    PRIMARY KEY (subject, kind)
) STRICT, WITHOUT ROWID;
