-- When the current holder's latest (re)connect started: older webhook events never act on the connection.
ALTER TABLE channel_connections ADD COLUMN IF NOT EXISTS connected_at timestamptz;
UPDATE channel_connections SET connected_at = created_at WHERE connected_at IS NULL;
-- The routing keys an unrouted event waited for (set when it is marked unrouted): a connect requeues only the events
-- of its number and WABA, and the retention job deletes the others once they are too old.
ALTER TABLE webhook_events ADD COLUMN IF NOT EXISTS phone_number_ids text[];
ALTER TABLE webhook_events ADD COLUMN IF NOT EXISTS waba_ids text[];
CREATE INDEX IF NOT EXISTS webhook_events_unrouted_idx ON webhook_events (received_at) WHERE state = 'unrouted';
