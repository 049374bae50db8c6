-- The morning digest: a per-user opt-out, and one delivery row per user and farm day.

ALTER TABLE users ADD COLUMN daily_digest boolean NOT NULL DEFAULT true;

-- One row per (user, farm day) once the day's digest for that user is settled:
--   sending  claimed by a run that is handing the mail to SES (or the outbox) right now;
--   sent     the mail went out;
--   empty    there was nothing to report, so nothing was sent.
-- A failed send deletes its claim, so the next run of the same day tries that user again. A claim left
-- 'sending' by a run that died may be taken over after a while (see daily_digest.queries).
CREATE TABLE digest_deliveries (
    user_id       bigint NOT NULL REFERENCES users (id),
    digest_date   date NOT NULL,
    status        text NOT NULL CHECK (status IN ('sending', 'sent', 'empty')),
    job_run_id    bigint REFERENCES job_runs (id),
    sections      text[] NOT NULL DEFAULT '{}',
    claimed_at    timestamptz NOT NULL,
    finished_at   timestamptz,
    PRIMARY KEY (user_id, digest_date),
    CHECK ((status = 'sending') = (finished_at IS NULL))
);
CREATE INDEX digest_deliveries_date_idx ON digest_deliveries (digest_date);
