-- Each connection's health checks (token, WABA subscription, app callback, number, quality, webhooks...), the latest
-- result of each by name: {"token": {"status": "ok", "message": "...", "checkedAt": "..."}, ...}. A check replaces
-- the stored one of its name (`checks || new`); a webhook event updates one check at once.
CREATE TABLE IF NOT EXISTS connection_health (
  connection_id uuid PRIMARY KEY REFERENCES channel_connections (id) ON DELETE CASCADE,
  tenant_id uuid NOT NULL,
  checks jsonb NOT NULL DEFAULT '{}'::jsonb,
  last_webhook_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS connection_health_tenant_idx ON connection_health (tenant_id);
