-- Periodic jobs across replicas (src/server/jobs.ts): when each job last ran, so N
-- replicas on one PostgreSQL run it once per period between them.
CREATE TABLE job_runs (
  name text PRIMARY KEY,
  last_run timestamptz NOT NULL
);
