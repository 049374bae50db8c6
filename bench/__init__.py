"""`make bench`: cold starts, warm handler latency, SQL statement counts and gateway throughput, measured against
the embedded PostgreSQL seeded with realistic volume (see docs/performance.md)."""
