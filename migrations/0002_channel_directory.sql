-- gatewayd schema, version 2: the channel directory — the chats/channels each platform knows, rebuilt and
-- replaced as a whole after every (re)connect. built_at is when that platform's list was built.

CREATE TABLE channel_directory (
    platform   TEXT    NOT NULL REFERENCES platforms (name) ON DELETE CASCADE,
    channel_id TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    kind       TEXT    NOT NULL,             -- 'channel', 'group', 'private', 'thread', ...
    built_at   INTEGER NOT NULL,
    PRIMARY KEY (platform, channel_id)
) STRICT, WITHOUT ROWID;
