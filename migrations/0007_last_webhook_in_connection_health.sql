-- One home for the last-webhook time: `connection_health.last_webhook_at` (written at most once a minute per
-- connection). The processor used to stamp a second copy in `channel_connections.metadata.last_webhook_at`; the
-- later of the two moves into connection_health and the key leaves the metadata. A value that does not read as an
-- ISO time is dropped. Runs again without harm.
INSERT INTO connection_health (connection_id, tenant_id, last_webhook_at)
SELECT id, tenant_id, (metadata->>'last_webhook_at')::timestamptz
FROM channel_connections
WHERE metadata->>'last_webhook_at' IS NOT NULL
  AND metadata->>'last_webhook_at' ~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$'
ON CONFLICT (connection_id) DO UPDATE SET
  last_webhook_at = GREATEST(connection_health.last_webhook_at, EXCLUDED.last_webhook_at);

UPDATE channel_connections SET metadata = metadata - 'last_webhook_at' WHERE metadata->'last_webhook_at' IS NOT NULL;
