-- The body of a webhook delivery exactly as Meta sent it. `payload jsonb` cannot hold U+0000 or an unpaired
-- surrogate (both legal in JSON text), so events are read from `raw` when it is kept; older rows have none.
ALTER TABLE webhook_events ADD COLUMN IF NOT EXISTS raw bytea;
