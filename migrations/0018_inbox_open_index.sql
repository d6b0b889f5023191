-- The inbox's indexes for the worker's pace (issue 18.2, w7B). Every index on webhook_events is written by the
-- intake's insert, again by the claim's update (no HOT update: the pages are full) and again by the processed update.
-- One partial index over the events still open serves the claim (`state = 'pending' ORDER BY received_at, id`: no
-- sort), the stats (pending, unrouted and failed counts, the oldest pending), the failed list and the requeue of
-- unrouted events; processed events (nearly every row) leave it. It replaces webhook_events_state_idx, which indexed
-- the processed rows too, and webhook_events_due_idx, which no statement needs once the claim reads this one.
-- Measured with EXPLAIN (ANALYZE, BUFFERS, WAL) per 800 events: WAL records -25% for the insert, -19% for the
-- claim, -20% for the processed update (docs/decisions.md).
-- New pages are filled to 70% so that the claim's update (attempts, locked_until: no indexed column) finds room on
-- its page and is a HOT update, writing no index entry: claim WAL bytes -44%, buffer hits -40% per 800 events. The
-- table is about 1/0.7 larger for the rows kept until retention deletes them.
CREATE INDEX IF NOT EXISTS webhook_events_open_idx ON webhook_events (state, received_at, id)
  WHERE state <> 'processed';
DROP INDEX IF EXISTS webhook_events_state_idx;
DROP INDEX IF EXISTS webhook_events_due_idx;
ALTER TABLE webhook_events SET (fillfactor = 70);
