-- A client-given key makes a send idempotent: a retried request finds the message it already created.
ALTER TABLE messages ADD COLUMN IF NOT EXISTS idempotency_key text;
CREATE UNIQUE INDEX IF NOT EXISTS messages_tenant_idempotency_key
  ON messages (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
