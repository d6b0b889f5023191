-- The customer service window: WhatsApp allows free-form messages to a contact only within 24 hours of their last
-- inbound message, so each conversation keeps when that was (moved forward only). Existing conversations take it
-- from their messages.
ALTER TABLE conversations ADD COLUMN IF NOT EXISTS last_inbound_at timestamptz;
UPDATE conversations c SET last_inbound_at = m.last_inbound
  FROM (SELECT conversation_id, max(sent_at) AS last_inbound FROM messages WHERE direction = 'inbound'
        GROUP BY conversation_id) m
  WHERE m.conversation_id = c.id AND c.last_inbound_at IS NULL;
