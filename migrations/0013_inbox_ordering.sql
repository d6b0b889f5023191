-- An inbox for real volume (issue 17.4, issue 18.4). The conversations page is ordered by last activity,
-- `COALESCE(last_message_at, created_at) DESC, id DESC`, and paged on exactly that key: this index serves the order
-- and the cursor's row comparison for one tenant, so a page reads `first + 1` index entries and sorts nothing.
CREATE INDEX IF NOT EXISTS conversations_tenant_activity_idx
  ON conversations (tenant_id, (COALESCE(last_message_at, created_at)) DESC, id DESC);
-- Replaced by the one above (it ordered by last_message_at alone, NULLS LAST, which no query uses).
DROP INDEX IF EXISTS conversations_tenant_recent_idx;
-- Unread counts: the inbound messages after the tenant last opened the conversation (NULL: never opened).
ALTER TABLE conversations ADD COLUMN IF NOT EXISTS last_read_at timestamptz;
-- Search by contact name or number is a prefix match (pg_trgm is not loaded into the embedded PGlite, so no
-- trigram index): lower(contact_name) and wa_id with text_pattern_ops serve `LIKE 'prefix%'` per tenant.
CREATE INDEX IF NOT EXISTS conversations_tenant_name_idx
  ON conversations (tenant_id, lower(contact_name) text_pattern_ops);
CREATE INDEX IF NOT EXISTS conversations_tenant_wa_id_idx
  ON conversations (tenant_id, wa_id text_pattern_ops);
-- The last message of a conversation, and its inbound messages after a time (unread counts).
CREATE INDEX IF NOT EXISTS messages_conversation_recent_idx ON messages (conversation_id, sent_at DESC, id DESC);
