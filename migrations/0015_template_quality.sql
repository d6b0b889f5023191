-- A template's quality score as Meta reports it (`quality_score` on the template, and the
-- `message_template_quality_update` webhook): GREEN, YELLOW, RED or UNKNOWN; null until Meta gives one.
ALTER TABLE message_templates ADD COLUMN IF NOT EXISTS quality text;
