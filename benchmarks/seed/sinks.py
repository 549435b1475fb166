"""Where the seed's rows go: COPY into PostgreSQL or executemany into SQLite, timed per table."""

from __future__ import annotations

import sqlite3
import time

FLUSH_ROWS = 100_000  # rows of all tables buffered before they are written and committed

TABLES: dict[str, tuple[str, ...]] = {
    # The columns written, in the order of the rows' tuples; timestamps are stamp() text.
    "brand_accounts": tuple(
        "id x_user_id username name ingest_cursor last_ingest_at created_at".split()
    ),
    "x_users": tuple(
        "x_user_id username name profile_image_url followers_count updated_at".split()
    ),
    "employees": tuple(
        "id number name role password_hash active session_version language timezone"
        " created_at".split()
    ),
    "canned_replies": tuple("id title body language active created_by_id updated_at".split()),
    "mentions": tuple(
        "id tweet_id brand_account_id author_x_id conversation_id in_reply_to_tweet_id is_quote"
        " text lang created_at ingested_at status priority claimed_by_id claim_expires_at"
        " closed_by_id close_reason closed_at escalated_at".split()
    ),
    "replies": tuple(
        "id mention_id author_id text status attempts last_error outcome_unknown not_before"
        " x_tweet_id approved_by_id created_at updated_at posted_at".split()
    ),
    "escalations": tuple(
        "id mention_id kind reason status raised_by_id assigned_to_id resolved_by_id resolution"
        " created_at resolved_at".split()
    ),
    "guideline_hits": tuple("id rule severity outcome employee_id mention_id at".split()),
    "audit_events": tuple(
        "id at actor_number action subject_type subject_id details prev_hash hash".split()
    ),
    "ingest_runs": tuple(
        "id brand_account_id started_at finished_at outcome pages fetched inserted newest_id"
        " oldest_id cursor_before cursor_after gap_detected gap_repaired gap_fetched retry_at"
        " error duration_ms".split()
    ),
}
# The order rows are written in, so every foreign key points at a row already there.
LOAD_ORDER = tuple(TABLES)


class Sink:
    """Buffers rows per table and writes them in LOAD_ORDER; times each table's writes."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple]] = {name: [] for name in TABLES}
        self.count: dict[str, int] = dict.fromkeys(TABLES, 0)
        self.seconds: dict[str, float] = dict.fromkeys(TABLES, 0.0)
        self.pending = 0
        self.commit_seconds = 0.0

    def add(self, table: str, row: tuple) -> None:
        self.rows[table].append(row)
        self.pending += 1
        if self.pending >= FLUSH_ROWS:  # any time will do: rows only point at earlier ones
            self.flush()

    def flush(self) -> None:
        for name in LOAD_ORDER:
            rows = self.rows[name]
            if not rows:
                continue
            started = time.perf_counter()
            self.write(name, rows)
            self.seconds[name] += time.perf_counter() - started
            self.count[name] += len(rows)
            rows.clear()
        self.pending = 0
        started = time.perf_counter()
        self.commit()
        self.commit_seconds += time.perf_counter() - started

    def write(self, table: str, rows: list[tuple]) -> None:
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def finish(self) -> dict[str, float]:
        """After the last flush: sequences, statistics; returns the seconds of each step."""
        raise NotImplementedError


class PostgresSink(Sink):
    """COPY ... FROM STDIN in text format, one transaction per chunk."""

    def __init__(self, url: str) -> None:
        super().__init__()
        import psycopg

        self.conn = psycopg.connect(url)
        self.conn.execute("SET TIME ZONE 'UTC'")  # the stamps are UTC without an offset
        self.conn.execute("SET synchronous_commit = off")  # a crash loses a chunk, not the db

    def write(self, table: str, rows: list[tuple]) -> None:
        names = ", ".join(TABLES[table])
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            write_row = copy.write_row  # psycopg's C row formatter; timestamps go as UTC text
            for row in rows:
                write_row(row)

    def commit(self) -> None:
        self.conn.commit()

    def finish(self) -> dict[str, float]:
        steps = {}
        started = time.perf_counter()
        for table, columns in TABLES.items():
            if columns[0] == "id":  # serial ids were given explicitly: move the sequences on
                self.conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
                    f" coalesce(max(id), 1), max(id) IS NOT NULL) FROM {table}"
                )
        self.conn.commit()
        steps["sequences"] = time.perf_counter() - started
        started = time.perf_counter()
        self.conn.autocommit = True
        self.conn.execute("VACUUM (ANALYZE)")  # what autovacuum does later; measure a settled db
        steps["vacuum analyze"] = time.perf_counter() - started
        self.conn.close()
        return steps


class SqliteSink(Sink):
    """executemany in one big transaction per chunk, with bulk-load PRAGMAs."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.conn = sqlite3.connect(path, isolation_level=None)
        for pragma in (
            "journal_mode=OFF",  # a seed that fails is rerun with --reset
            "synchronous=OFF",
            "cache_size=-262144",  # 256 MiB
            "temp_store=MEMORY",
            "foreign_keys=OFF",  # checked once at the end: PRAGMA foreign_key_check
        ):
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute("BEGIN")

    def write(self, table: str, rows: list[tuple]) -> None:
        columns = TABLES[table]
        names = ", ".join(columns)
        marks = ", ".join("?" * len(columns))
        self.conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608

    def commit(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("BEGIN")

    def finish(self) -> dict[str, float]:
        self.conn.execute("COMMIT")
        started = time.perf_counter()
        broken = self.conn.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise SystemExit(f"seed: foreign keys broken: {broken[:5]}")
        steps = {"foreign_key_check": time.perf_counter() - started}
        self.conn.execute("PRAGMA journal_mode=WAL")  # what the app runs in
        self.conn.close()
        return steps
