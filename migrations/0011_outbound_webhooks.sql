-- Outbound webhooks (issue 19): each tenant's endpoints, the transactional outbox of events, one delivery per
-- (event, endpoint) and every attempt of it.

-- A tenant's endpoint. The signing secret is stored encrypted with the token cipher (bound to the tenant); during
-- a rotation's overlap the previous one signs too, until `previous_secret_expires_at`.
CREATE TABLE IF NOT EXISTS webhook_endpoints (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  url text NOT NULL,
  events text[] NOT NULL,
  secret_enc text NOT NULL,
  previous_secret_enc text,
  previous_secret_expires_at timestamptz,
  enabled boolean NOT NULL DEFAULT true,
  disabled_reason text,
  consecutive_failures integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS webhook_endpoints_tenant_idx ON webhook_endpoints (tenant_id);

-- The outbox: written in the transaction of the change it announces (a message insert, a status, a connection
-- transition). Its id is the `webhook-id` every delivery of it carries, on retries and replays alike.
CREATE TABLE IF NOT EXISTS outbound_events (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL,
  ordering_key text,
  occurred_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS outbound_events_tenant_time_idx ON outbound_events (tenant_id, occurred_at);
CREATE INDEX IF NOT EXISTS outbound_events_time_idx ON outbound_events (occurred_at);

-- One row per (event, matching endpoint), fanned out in the event's transaction. `seq` orders the deliveries of
-- one endpoint and ordering key (a message's statuses): a later one waits while an earlier one is pending.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq bigserial NOT NULL,
  event_id uuid NOT NULL REFERENCES outbound_events (id) ON DELETE CASCADE,
  endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  tenant_id uuid NOT NULL,
  event_type text NOT NULL,
  ordering_key text,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_until timestamptz,
  last_status_code integer,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at timestamptz
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC);
CREATE INDEX IF NOT EXISTS webhook_deliveries_order_idx ON webhook_deliveries (endpoint_id, ordering_key, seq)
  WHERE status = 'pending' AND ordering_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS webhook_deliveries_event_idx ON webhook_deliveries (event_id);

-- Every attempt: when, the HTTP status (null: no answer), how long, the first bytes of the answer, the error.
CREATE TABLE IF NOT EXISTS webhook_delivery_attempts (
  id bigserial PRIMARY KEY,
  delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempted_at timestamptz NOT NULL DEFAULT now(),
  status_code integer,
  duration_ms integer NOT NULL,
  response_excerpt text,
  error text
);
CREATE INDEX IF NOT EXISTS webhook_delivery_attempts_delivery_idx ON webhook_delivery_attempts (delivery_id, id);
