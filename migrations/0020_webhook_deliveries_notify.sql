-- Wakes the outbound webhook delivery workers (issue 19, w9D): a statement that inserts deliveries (the fan-out of
-- an inbound batch's events, a connection transition, a test event, a replay) sends one NOTIFY on
-- `webhook_deliveries`, which PostgreSQL delivers at commit to every instance's LISTEN and collapses to one per
-- transaction. Without it a worker found new deliveries by polling every 250 ms. A statement trigger with a
-- transition table: one call per statement, whatever its row count, and no NOTIFY when it inserted nothing.
CREATE OR REPLACE FUNCTION webhook_deliveries_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM inserted) THEN
    PERFORM pg_notify('webhook_deliveries', '');
  END IF;
  RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS webhook_deliveries_notify ON webhook_deliveries;
CREATE TRIGGER webhook_deliveries_notify AFTER INSERT ON webhook_deliveries
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION webhook_deliveries_notify();
