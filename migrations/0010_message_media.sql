-- Media of a message (issue 17.3): one row per image, audio, video, document or sticker message. An inbound one is
-- also its own fetch job: stored `pending` with the message (the message's dedupe key is unaffected), claimed with
-- FOR UPDATE SKIP LOCKED under a lease, retried with backoff, and `available` once the bytes are in the media store
-- (or `failed` for good). An outbound one is stored `available` when uploaded.
CREATE TABLE IF NOT EXISTS message_media (
  message_id uuid PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  connection_id uuid NOT NULL REFERENCES channel_connections (id),
  kind text NOT NULL CHECK (kind IN ('image', 'audio', 'video', 'document', 'sticker')),
  provider_media_id text NOT NULL,
  declared_mime_type text,
  animated boolean NOT NULL DEFAULT false,
  caption text,
  filename text,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'available', 'failed')),
  mime_type text,
  size_bytes bigint,
  sha256 text,
  storage_key text,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS message_media_due_idx ON message_media (next_attempt_at) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS message_media_tenant_idx ON message_media (tenant_id, message_id);
