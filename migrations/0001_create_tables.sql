-- The service's tables (DESIGN section 3). Every statement is idempotent and additive: on a database holding an
-- older shape of a table with rows (the earlier CRM's channel_connections, its meta_tokens), it adds what is
-- missing and keeps every row. Nothing here drops or rewrites data.

CREATE TABLE IF NOT EXISTS tenants (
  id uuid PRIMARY KEY,
  name text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE tenants ADD COLUMN IF NOT EXISTS name text NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now();

CREATE TABLE IF NOT EXISTS channel_connections (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL,
  provider text NOT NULL DEFAULT 'meta_whatsapp'
);
ALTER TABLE channel_connections ALTER COLUMN id SET DEFAULT gen_random_uuid();
ALTER TABLE channel_connections ADD COLUMN IF NOT EXISTS provider text NOT NULL DEFAULT 'meta_whatsapp';
ALTER TABLE channel_connections ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'pending';
ALTER TABLE channel_connections ADD COLUMN IF NOT EXISTS waba_id text;
ALTER TABLE channel_connections ADD COLUMN IF NOT EXISTS phone_number_id text;
ALTER TABLE channel_connections ADD COLUMN IF NOT EXISTS phone_number_e164 text;
ALTER TABLE channel_connections ADD COLUMN IF NOT EXISTS display_name text;
ALTER TABLE channel_connections ADD COLUMN IF NOT EXISTS access_token_enc text;
ALTER TABLE channel_connections ADD COLUMN IF NOT EXISTS token_expires_at timestamptz;
ALTER TABLE channel_connections ADD COLUMN IF NOT EXISTS scopes jsonb NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE channel_connections ADD COLUMN IF NOT EXISTS metadata jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE channel_connections ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE channel_connections ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();

-- Older rows may name tenants this database has never seen: give them a tenant row so the foreign key holds.
INSERT INTO tenants (id, name)
SELECT DISTINCT c.tenant_id, '' FROM channel_connections c
WHERE NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = c.tenant_id);

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint
                 WHERE conname = 'channel_connections_tenant_fk' AND conrelid = 'channel_connections'::regclass) THEN
    ALTER TABLE channel_connections
      ADD CONSTRAINT channel_connections_tenant_fk FOREIGN KEY (tenant_id) REFERENCES tenants (id);
  END IF;
  -- NOT VALID: enforced for every new or changed row, without refusing to migrate an older row.
  IF NOT EXISTS (SELECT 1 FROM pg_constraint
                 WHERE conname = 'channel_connections_provider_check' AND conrelid = 'channel_connections'::regclass) THEN
    ALTER TABLE channel_connections ADD CONSTRAINT channel_connections_provider_check
      CHECK (provider IN ('meta_whatsapp', 'meta_ads')) NOT VALID;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_constraint
                 WHERE conname = 'channel_connections_status_check' AND conrelid = 'channel_connections'::regclass) THEN
    ALTER TABLE channel_connections ADD CONSTRAINT channel_connections_status_check
      CHECK (status IN ('pending', 'active', 'error', 'revoked')) NOT VALID;
  END IF;
END
$$;

CREATE UNIQUE INDEX IF NOT EXISTS channel_connections_provider_phone_key
  ON channel_connections (provider, phone_number_id);
CREATE INDEX IF NOT EXISTS channel_connections_tenant_provider_idx ON channel_connections (tenant_id, provider);
CREATE INDEX IF NOT EXISTS channel_connections_waba_idx ON channel_connections (waba_id);

CREATE TABLE IF NOT EXISTS oauth_states (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  user_id text NOT NULL,
  provider text NOT NULL,
  nonce text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at timestamptz,
  expires_at timestamptz NOT NULL DEFAULT now() + interval '10 minutes',
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX IF NOT EXISTS oauth_states_expires_idx ON oauth_states (expires_at);

CREATE TABLE IF NOT EXISTS conversations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  connection_id uuid NOT NULL REFERENCES channel_connections (id),
  phone_number_id text NOT NULL,
  wa_id text NOT NULL,
  contact_name text,
  last_message_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, phone_number_id, wa_id)
);
CREATE INDEX IF NOT EXISTS conversations_tenant_recent_idx
  ON conversations (tenant_id, last_message_at DESC NULLS LAST, id DESC);

CREATE TABLE IF NOT EXISTS messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  conversation_id uuid NOT NULL REFERENCES conversations (id),
  provider_message_id text UNIQUE,
  direction text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  type text NOT NULL,
  body jsonb NOT NULL DEFAULT '{}'::jsonb,
  status text NOT NULL
    CHECK (status IN ('received', 'pending', 'sent', 'delivered', 'read', 'played', 'failed')),
  error jsonb,
  sent_at timestamptz NOT NULL DEFAULT now(),
  status_updated_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS messages_conversation_idx ON messages (conversation_id, sent_at, id);

CREATE TABLE IF NOT EXISTS message_status_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  provider_message_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('sent', 'delivered', 'read', 'played', 'failed')),
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  occurred_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (provider_message_id, status)
);

CREATE TABLE IF NOT EXISTS webhook_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  provider text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  body_sha256 text NOT NULL,
  payload jsonb NOT NULL,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'processed', 'unrouted', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  processed_at timestamptz,
  -- The claim lease and the retry schedule: an event whose worker died is claimable once its lease runs out.
  locked_until timestamptz,
  next_attempt_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS webhook_events_due_idx ON webhook_events (next_attempt_at) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS webhook_events_state_idx ON webhook_events (state, received_at);

CREATE TABLE IF NOT EXISTS audit_log (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL,
  user_id text,
  action text NOT NULL,
  resource_type text NOT NULL,
  resource_id text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  ip text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS audit_log_tenant_idx ON audit_log (tenant_id, created_at DESC, id DESC);
