-- The retention job deletes processed webhook events older than WEBHOOK_PROCESSED_RETENTION_DAYS in small batches,
-- oldest first: this index finds each batch without reading the table.
CREATE INDEX IF NOT EXISTS webhook_events_processed_idx ON webhook_events (processed_at) WHERE state = 'processed';
