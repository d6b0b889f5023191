-- `conversation.window_closing` (issue 19): each conversation remembers the inbound message whose 24-hour window
-- was announced as closing (its `last_inbound_at` then), so each window is announced once; a newer inbound message
-- opens a new window, which differs from it and can be announced again.
ALTER TABLE conversations ADD COLUMN IF NOT EXISTS window_notice_for timestamptz;
-- The job reads the windows closing soon: last_inbound_at in (now - 24 h, now - 24 h + lead].
CREATE INDEX IF NOT EXISTS conversations_last_inbound_at ON conversations (last_inbound_at)
  WHERE last_inbound_at IS NOT NULL;
