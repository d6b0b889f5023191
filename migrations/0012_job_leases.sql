-- Leases of the periodic jobs (JobLeases): one row per job and key (a connection id, or `all`), held by one service
-- instance until `expires_at`. An instance takes a lease only when it has lapsed, so no two instances run one job
-- for one connection at once; a crashed holder's lease lapses by itself. Times are the database's (one clock for
-- every instance).
CREATE TABLE IF NOT EXISTS job_leases (
  job text NOT NULL,
  key text NOT NULL,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (job, key)
);
