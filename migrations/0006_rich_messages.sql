-- gatewayd schema, version 6: richer messages. A received message says what it answers, who sent it by name, what
-- kind of chat it came from, and which files came with it (described, never downloaded); a message to send can
-- answer one, so the bot's reply threads under the user's message.

ALTER TABLE inbox ADD COLUMN reply_to TEXT;        -- the message id (same form as message_id) it answers
ALTER TABLE inbox ADD COLUMN sender_name TEXT;     -- the sender's display name, when the platform has one
ALTER TABLE inbox ADD COLUMN chat_kind TEXT CHECK (chat_kind IN ('private', 'group', 'channel'));
-- JSON array of {"kind","file_name","size","mime_type","file_id","url"}; NULL when none
-- (sqlite3: SELECT a.value ->> 'file_name' FROM inbox, json_each(inbox.attachments) a)
ALTER TABLE inbox ADD COLUMN attachments TEXT CHECK (attachments IS NULL OR json_valid(attachments));

ALTER TABLE outbox ADD COLUMN reply_to TEXT;       -- the inbox message id this answers (threads where the platform can)
