-- gatewayd schema on PostgreSQL, version 2: the message half of the store — outbox, inbox, cursors, channel directory.
--
-- The same tables, columns and rules as the SQLite schema (migrations/0001 `platform_cursors`, 0002
-- `channel_directory`, 0004 `inbox`/`outbox`/`platforms.outbox_not_before`, 0006 the richer message columns, 0007
-- `message_depths`): the inbox holds every received message, written in the same transaction that advances the
-- platform's cursors, until the consumer acknowledged it; the outbox holds every message to send until the platform
-- accepted it. Times are Unix milliseconds (wall clock). In a fleet, a platform's messages are received, dispatched
-- and sent by the daemon that owns the platform row (`platforms.owner`, 0001).
--
-- Depths: a table kept by triggers, as SQLite's `message_depths`, so that status and the outbox flusher read one row
-- per platform whatever the backlog (counting the waiting rows through an index grows with the backlog: the reason
-- for SQLite's 0007). Here the triggers are per statement, with transition tables: an expiry or a prune of many rows
-- changes each platform's row once, and takes the rows' locks in platform-name order (fewer deadlocks between
-- transactions that touch several platforms). A row appears with a platform's first waiting message and stays.
--
-- psql: SELECT * FROM message_depths;  -- the same numbers as counting the inbox and outbox rows

-- A rate-limit answer delays a platform's queue (not its connection) until this time.
ALTER TABLE platforms ADD COLUMN outbox_not_before bigint;

-- Inbound positions (Telegram update offset, Discord session id / seq / resume URL).
CREATE TABLE platform_cursors (
    platform   text   NOT NULL REFERENCES platforms (name) ON DELETE CASCADE,
    key        text   NOT NULL,
    value      text   NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (platform, key)
);

-- The chats/channels each platform knows, replaced as a whole after every (re)connect.
CREATE TABLE channel_directory (
    platform   text   NOT NULL REFERENCES platforms (name) ON DELETE CASCADE,
    channel_id text   NOT NULL,
    name       text   NOT NULL,
    kind       text   NOT NULL,              -- 'channel', 'group', 'private', 'thread', ...
    built_at   bigint NOT NULL,
    PRIMARY KEY (platform, channel_id)
);

CREATE TABLE inbox (
    id              bigserial NOT NULL PRIMARY KEY,   -- order of arrival
    platform        text      NOT NULL REFERENCES platforms (name) ON DELETE CASCADE,
    message_id      text      NOT NULL,               -- the platform's id: redeliveries are ignored
    chat            text      NOT NULL,
    sender          text      NOT NULL,
    text            text      NOT NULL,
    sent_at         bigint,                           -- when the platform says it was sent
    received_at     bigint    NOT NULL,
    delivered_at    bigint,                           -- acknowledged by the consumer (2xx); NULL while pending
    attempts        integer   NOT NULL DEFAULT 0,     -- consumer deliveries tried
    next_attempt_at bigint,                           -- the next consumer delivery, after a failure
    last_error      text,
    reply_to        text,                             -- the message id (same form as message_id) it answers
    sender_name     text,                             -- the sender's display name, when the platform has one
    chat_kind       text      CHECK (chat_kind IN ('private', 'group', 'channel')),
    -- Array of {"kind","file_name","size","mime_type","file_id","url"}; NULL when none
    -- (psql: SELECT a ->> 'file_name' FROM inbox, jsonb_array_elements(inbox.attachments) a)
    attachments     jsonb,
    UNIQUE (platform, message_id)
);
-- One dispatcher per platform: a daemon reads the pending messages of the platforms it owns.
CREATE INDEX inbox_pending ON inbox (platform, id) WHERE delivered_at IS NULL;
-- Retention (pruneInbox) deletes by age.
CREATE INDEX inbox_received ON inbox (received_at);

CREATE TABLE outbox (
    id              bigserial NOT NULL PRIMARY KEY,   -- order of enqueueing: flushed in this order per platform
    platform        text      NOT NULL REFERENCES platforms (name) ON DELETE CASCADE,
    target          text      NOT NULL,               -- chat, channel or nick
    text            text      NOT NULL,
    state           text      NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'expired')),
    created_at      bigint    NOT NULL,
    expires_at      bigint,                           -- TTL: not sent after this
    attempts        integer   NOT NULL DEFAULT 0,
    sent_at         bigint,
    platform_ids    text,                             -- the platform's message ids, comma-separated
    error           text,                             -- why it failed or waits (redacted)
    updated_at      bigint    NOT NULL,
    idempotency_key text      UNIQUE,                 -- the caller's, to make enqueueing safe to retry
    reply_to        text                              -- the inbox message id this answers
);
CREATE INDEX outbox_waiting ON outbox (platform, id) WHERE state IN ('queued', 'sending');
-- A platform's whole outbox (listing one platform; deleting a platform cascades through it).
CREATE INDEX outbox_by_platform ON outbox (platform, id);
CREATE INDEX outbox_expiring ON outbox (expires_at) WHERE state IN ('queued', 'sending') AND expires_at IS NOT NULL;

CREATE TABLE message_depths (
    platform       text   NOT NULL PRIMARY KEY REFERENCES platforms (name) ON DELETE CASCADE,
    inbox_pending  bigint NOT NULL DEFAULT 0,    -- inbox rows not yet acknowledged by the consumer
    outbox_waiting bigint NOT NULL DEFAULT 0     -- outbox rows queued or sending
);

-- Adds each platform's change to one of its counts (`for_inbox`: inbox_pending, else outbox_waiting). A count going
-- down only ever updates an existing row (inserting one could name a platform whose row is being deleted, by the
-- cascade); a count going up makes the row when it is the platform's first.
CREATE FUNCTION message_depths_add(for_inbox boolean, names text[], deltas bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM message_depths WHERE platform = ANY (names) ORDER BY platform FOR UPDATE;
    UPDATE message_depths d
    SET inbox_pending  = d.inbox_pending  + CASE WHEN for_inbox THEN c.delta ELSE 0 END,
        outbox_waiting = d.outbox_waiting + CASE WHEN for_inbox THEN 0 ELSE c.delta END
    FROM unnest(names, deltas) AS c (platform, delta)
    WHERE d.platform = c.platform AND c.delta < 0;
    INSERT INTO message_depths (platform, inbox_pending, outbox_waiting)
    SELECT c.platform, CASE WHEN for_inbox THEN c.delta ELSE 0 END, CASE WHEN for_inbox THEN 0 ELSE c.delta END
    FROM unnest(names, deltas) AS c (platform, delta)
    WHERE c.delta > 0
    ORDER BY c.platform
    ON CONFLICT (platform) DO UPDATE
    SET inbox_pending  = message_depths.inbox_pending  + EXCLUDED.inbox_pending,
        outbox_waiting = message_depths.outbox_waiting + EXCLUDED.outbox_waiting;
END
$$;

-- An outbox row is waiting while queued or sending: per statement, each platform counts the rows that started
-- waiting minus those that stopped.
CREATE FUNCTION outbox_depths() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    names  text[];
    deltas bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(platform), array_agg(n) INTO names, deltas FROM (
            SELECT platform, count(*) AS n FROM new_rows WHERE state IN ('queued', 'sending') GROUP BY platform
        ) c;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(platform), array_agg(n) INTO names, deltas FROM (
            SELECT platform, -count(*) AS n FROM old_rows WHERE state IN ('queued', 'sending') GROUP BY platform
        ) c;
    ELSE
        SELECT array_agg(platform), array_agg(n) INTO names, deltas FROM (
            SELECT platform, sum(n)::bigint AS n FROM (
                SELECT platform, 1 AS n FROM new_rows WHERE state IN ('queued', 'sending')
                UNION ALL
                SELECT platform, -1 AS n FROM old_rows WHERE state IN ('queued', 'sending')
            ) moves GROUP BY platform HAVING sum(n) <> 0
        ) c;
    END IF;
    IF names IS NOT NULL THEN
        PERFORM message_depths_add(false, names, deltas);
    END IF;
    RETURN NULL;
END
$$;

-- An inbox row is pending while its delivered_at is NULL.
CREATE FUNCTION inbox_depths() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    names  text[];
    deltas bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(platform), array_agg(n) INTO names, deltas FROM (
            SELECT platform, count(*) AS n FROM new_rows WHERE delivered_at IS NULL GROUP BY platform
        ) c;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(platform), array_agg(n) INTO names, deltas FROM (
            SELECT platform, -count(*) AS n FROM old_rows WHERE delivered_at IS NULL GROUP BY platform
        ) c;
    ELSE
        SELECT array_agg(platform), array_agg(n) INTO names, deltas FROM (
            SELECT platform, sum(n)::bigint AS n FROM (
                SELECT platform, 1 AS n FROM new_rows WHERE delivered_at IS NULL
                UNION ALL
                SELECT platform, -1 AS n FROM old_rows WHERE delivered_at IS NULL
            ) moves GROUP BY platform HAVING sum(n) <> 0
        ) c;
    END IF;
    IF names IS NOT NULL THEN
        PERFORM message_depths_add(true, names, deltas);
    END IF;
    RETURN NULL;
END
$$;

-- A trigger with transition tables serves one event and takes no column list (PostgreSQL's rules): three per table.
CREATE TRIGGER outbox_depth_insert AFTER INSERT ON outbox
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outbox_depths();
CREATE TRIGGER outbox_depth_update AFTER UPDATE ON outbox
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outbox_depths();
CREATE TRIGGER outbox_depth_delete AFTER DELETE ON outbox
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION outbox_depths();

CREATE TRIGGER inbox_depth_insert AFTER INSERT ON inbox
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION inbox_depths();
CREATE TRIGGER inbox_depth_update AFTER UPDATE ON inbox
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION inbox_depths();
CREATE TRIGGER inbox_depth_delete AFTER DELETE ON inbox
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION inbox_depths();
