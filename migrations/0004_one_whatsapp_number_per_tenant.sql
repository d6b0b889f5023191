-- One live WhatsApp number per tenant (issue 11.2). Earlier code left a tenant's older numbers `active` (token kept,
-- number blocked for other workspaces, webhooks still stored) after it connected another one. For each tenant with
-- several numbered WhatsApp rows that are not `revoked`, the most recently updated stays; the others are retired as
-- the service now retires them: `revoked`, token erased, number and history kept. `updated_at` is left alone.
-- Idempotent: a second run finds at most one live numbered row per tenant and changes nothing.
-- Their WABAs cannot be unsubscribed from SQL (see docs/decisions.md, "Issue 11.2").
WITH ranked AS (
  SELECT id,
         row_number() OVER (PARTITION BY tenant_id ORDER BY updated_at DESC, id DESC) AS position
  FROM channel_connections
  WHERE provider = 'meta_whatsapp' AND status <> 'revoked' AND phone_number_id IS NOT NULL
)
UPDATE channel_connections AS c
SET status = 'revoked',
    access_token_enc = NULL,
    token_expires_at = NULL,
    metadata = (COALESCE(c.metadata, '{}'::jsonb) - 'error' - 'choices' - 'pending_reason')
      || jsonb_build_object(
           'disconnected_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           'disconnected_because', 'replaced',
           'retired_by', '0004_one_whatsapp_number_per_tenant'
         )
FROM ranked
WHERE c.id = ranked.id AND ranked.position > 1;
