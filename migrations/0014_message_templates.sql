-- WhatsApp message templates, synced from each WABA (`GET /{waba-id}/message_templates`) and moved by the
-- `message_template_status_update` webhook: one row per tenant, WABA, name and language.
CREATE TABLE IF NOT EXISTS message_templates (
  tenant_id uuid NOT NULL,
  waba_id text NOT NULL,
  name text NOT NULL,
  language text NOT NULL,
  template_id text NOT NULL,
  category text NOT NULL,
  status text NOT NULL,
  rejected_reason text,
  parameter_format text NOT NULL CHECK (parameter_format IN ('POSITIONAL', 'NAMED')),
  header_kind text NOT NULL,
  header_text text,
  body_text text NOT NULL,
  footer_text text,
  header_placeholders jsonb NOT NULL DEFAULT '[]',
  body_placeholders jsonb NOT NULL DEFAULT '[]',
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, waba_id, name, language)
);
-- The status webhook names the WABA, not the tenant.
CREATE INDEX IF NOT EXISTS message_templates_waba ON message_templates (waba_id, name, language);
