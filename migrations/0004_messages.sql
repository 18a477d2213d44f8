-- gatewayd schema, version 4: message safety. The inbox holds every received message (written in the same
-- transaction that advances the platform's cursor) until the consumer has acknowledged it; the outbox holds every
-- message to send until the platform has accepted it. Nothing is dropped while a platform is down.

CREATE TABLE inbox (
    id              INTEGER NOT NULL PRIMARY KEY,   -- local order of arrival
    platform        TEXT    NOT NULL REFERENCES platforms (name) ON DELETE CASCADE,
    message_id      TEXT    NOT NULL,               -- the platform's id: redeliveries are ignored
    chat            TEXT    NOT NULL,
    sender          TEXT    NOT NULL,
    text            TEXT    NOT NULL,
    sent_at         INTEGER,                        -- when the platform says it was sent
    received_at     INTEGER NOT NULL,
    delivered_at    INTEGER,                        -- acknowledged by the consumer (2xx); NULL while pending
    attempts        INTEGER NOT NULL DEFAULT 0,     -- consumer deliveries tried
    next_attempt_at INTEGER,                        -- the next consumer delivery, after a failure
    last_error      TEXT,
    UNIQUE (platform, message_id)
) STRICT;
CREATE INDEX inbox_pending ON inbox (id) WHERE delivered_at IS NULL;

CREATE TABLE outbox (
    id              INTEGER NOT NULL PRIMARY KEY,   -- order of enqueueing: flushed in this order per platform
    platform        TEXT    NOT NULL REFERENCES platforms (name) ON DELETE CASCADE,
    target          TEXT    NOT NULL,               -- chat, channel or nick
    text            TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'expired')),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER,                        -- TTL: not sent after this
    attempts        INTEGER NOT NULL DEFAULT 0,
    sent_at         INTEGER,
    platform_ids    TEXT,                           -- the platform's message ids, comma-separated
    error           TEXT,                           -- why it failed or waits (redacted)
    updated_at      INTEGER NOT NULL,
    idempotency_key TEXT UNIQUE                     -- the caller's, to make enqueueing safe to retry
) STRICT;
CREATE INDEX outbox_waiting ON outbox (platform, id) WHERE state IN ('queued', 'sending');

-- A rate-limit answer delays a platform's queue (not its connection) until this time.
ALTER TABLE platforms ADD COLUMN outbox_not_before INTEGER;
