-- Idempotent replays carry the headers a client acts on (Retry-After, Location, Content-Disposition, and the
-- Content-Type of the body), not only the status and body.
-- A key row is now written only with its final answer, in the transaction of the request that produced it; the
-- request in flight is marked by a transaction-level advisory lock instead of a row with a null status. Rows
-- left without a status by the previous scheme are taken over by the next request with the same key.
ALTER TABLE idempotency_keys ADD COLUMN headers jsonb NOT NULL DEFAULT '{}'::jsonb;
