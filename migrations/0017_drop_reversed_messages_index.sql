-- messages_conversation_recent_idx (0013) is messages_conversation_idx (0001) with every column reversed:
-- (conversation_id, sent_at DESC, id DESC) against (conversation_id, sent_at, id). A B-tree is read backwards as
-- cheaply as forwards, so the one index serves both the thread (oldest first) and the inbox's last message and
-- unread counts (newest first); the second only cost every message insert an index write.
DROP INDEX IF EXISTS messages_conversation_recent_idx;
