-- When the current holder's latest (re)connect started: older webhook events never act on the connection. Rows from
-- before this migration keep NULL (no such gate) until their next connect; they are not rewritten here, as a legacy
-- row may not pass the table's newer checks.
ALTER TABLE channel_connections ADD COLUMN IF NOT EXISTS connected_at timestamptz;
-- The routing keys an unrouted event waited for (set when it is marked unrouted): a connect requeues only the events
-- of its number and WABA, and the retention job deletes the others once they are too old.
ALTER TABLE webhook_events ADD COLUMN IF NOT EXISTS phone_number_ids text[];
ALTER TABLE webhook_events ADD COLUMN IF NOT EXISTS waba_ids text[];
CREATE INDEX IF NOT EXISTS webhook_events_unrouted_idx ON webhook_events (received_at) WHERE state = 'unrouted';
