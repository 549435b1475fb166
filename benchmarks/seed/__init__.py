"""Benchmark data: years of a big brand's desk, written fast into PostgreSQL (COPY) or SQLite.

Runs the real migrations on the target database, refuses one that holds data unless --reset,
then streams the brand account, customers, employees, mentions (threads, quotes, hostile
text), claims, replies (posted, failed, retried, trainees' approved and rejected ones),
escalations (manual and SLA), guideline hits, ingest runs and a valid audit hash chain,
with daily and weekly cycles and a few spikes. Prints rows and seconds per table, the total
and the peak RSS. --check then opens the app on the result and runs the services on it.
Run from the repository's root (a package: data, sinks, desk, database, check, main).

    python -m benchmarks.seed --mentions 1000000 [--database-url URL] [--years 2]
        [--employees 60] [--seed 1] [--until 2026-12-03T14:00:00Z] [--ingest-every 60]
        [--reset] [--check]
    python -m benchmarks.seed --check-only [--database-url URL]

URL defaults to $DATABASE_URL. The same --seed and --until give the same rows (--until
defaults to the current hour). Every employee signs in with SEED_PASSWORD.
"""

from benchmarks.seed.data import SEED_PASSWORD

__all__ = ["SEED_PASSWORD"]
