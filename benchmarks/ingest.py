"""Benchmark: our page upsert against a raw multi-row INSERT ... ON CONFLICT DO NOTHING.

Both store the same prepared pages (100 mentions each, with authors) into the same
database. Prints mentions per second for each, the ratio (target >= 0.5x raw) and the
peak Python memory of ingesting 100,000 mentions. Usage:

    python benchmarks/ingest.py [--mentions 100000] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from helpdesk import create_app
from helpdesk.extensions import db
from helpdesk.models import BrandAccount, Mention, XUser
from helpdesk.services.ingest import mention_rows, upsert_mentions
from helpdesk.x.models import TweetPage, XAccount, XTweet

PAGE = 100
BRAND_ID = 1580000000000000001


def prepared_pages(count: int, seed: int = 1) -> list[TweetPage]:
    """`count` mentions as X would page them: 100 a page, authors in includes."""
    rng = random.Random(seed)  # noqa: S311 - benchmark data
    start = datetime(2026, 11, 1, tzinfo=UTC)
    users = [
        XAccount(id=10_000 + n, username=f"customer_{n}", name=f"顧客 {n}", followers_count=n)
        for n in range(max(count // 4, 1))
    ]
    pages = []
    for first in range(0, count, PAGE):
        tweets, authors = [], {}
        for n in range(first, min(first + PAGE, count)):
            author = users[int(len(users) * rng.random() ** 2)]
            authors[author.id] = author
            tweet_id = 2_000_000_000_000_000_000 + n
            tweets.append(
                XTweet(
                    id=tweet_id,
                    text=f"@acme_help 注文 {n} の配送状況を教えてください order {n}",
                    author_id=author.id,
                    conversation_id=tweet_id,
                    created_at=start + timedelta(seconds=n),
                    lang="ja",
                )
            )
        pages.append(TweetPage(tweets=tuple(tweets), users=authors))
    return pages


def ours(pages: list[TweetPage], account: BrandAccount) -> float:
    """The helpdesk's path: rows from a page, two upserts, one commit per page."""
    account_id, brand_x_id = account.id, account.x_user_id
    started = time.perf_counter()
    for page in pages:
        mentions, authors = mention_rows(page, account_id, brand_x_id)
        upsert_mentions(mentions, authors)
        db.session.commit()
    return time.perf_counter() - started


def raw(pages: list[TweetPage], account: BrandAccount) -> float:
    """The floor: the same rows, pre-built, one multi-row INSERT ... ON CONFLICT per table."""
    batches = [mention_rows(page, account.id, account.x_user_id) for page in pages]  # not timed
    db.session.rollback()  # release the session's connection (SQLite's write lock)
    mention_cols = list(batches[0][0][0])
    user_cols = list(batches[0][1][0])
    conn = db.engine.raw_connection()
    dialect = db.engine.dialect.name
    mark = "%s" if dialect == "postgresql" else "?"
    try:
        cursor = conn.cursor()
        started = time.perf_counter()
        if dialect == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
        for mentions, authors in batches:
            for table, cols, rows, key in (
                ("x_users", user_cols, authors, "x_user_id"),
                ("mentions", mention_cols, mentions, "tweet_id"),
            ):
                row_marks = "(" + ",".join([mark] * len(cols)) + ")"
                sql = (
                    f"INSERT INTO {table} ({','.join(cols)}) VALUES "  # noqa: S608 - fixed names
                    + ",".join([row_marks] * len(rows))
                    + f" ON CONFLICT ({key}) DO NOTHING"
                )
                cursor.execute(sql, [_plain(row[c]) for row in rows for c in cols])
            conn.commit()
            if dialect == "sqlite":
                cursor.execute("BEGIN IMMEDIATE")
        conn.commit()
        return time.perf_counter() - started
    finally:
        conn.close()


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, dict | list):  # a JSON column (mentions.links), written as its text
        return json.dumps(value)
    return value


def empty() -> None:
    db.session.execute(sa.delete(Mention))
    db.session.execute(sa.delete(XUser))
    db.session.commit()


def main() -> int:
    """Run both paths on the same database and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    instance = tempfile.mkdtemp(prefix="helpdesk-bench-")
    environ = {"HELPDESK_INSTANCE": instance, "SECRET_KEY": "benchmark-secret-key-123"}
    if args.database_url:
        environ["DATABASE_URL"] = args.database_url
    app = create_app(environ=environ)
    with app.app_context():
        from flask_migrate import upgrade

        with db.engine.begin() as conn:
            db.metadata.drop_all(conn)
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        account = BrandAccount(x_user_id=BRAND_ID, username="acme_help", name="ACME")
        db.session.add(account)
        db.session.commit()
        pages = prepared_pages(args.mentions)
        results = {}
        for name, path in (("raw INSERT", raw), ("helpdesk", ours)):
            empty()
            seconds = path(pages, account)
            results[name] = args.mentions / seconds
            stored = db.session.scalar(sa.select(sa.func.count()).select_from(Mention))
            assert stored == args.mentions, (name, stored)
        empty()
        tracemalloc.start()
        ours(pages, account)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        backend = db.engine.dialect.name
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"backend: {backend}, mentions: {args.mentions}")
    for name, rate in results.items():
        print(f"  {name:<12} {rate:>10,.0f} mentions/s")
    print(
        f"  ratio        {results['helpdesk'] / results['raw INSERT']:.2f}x of raw (target >= 0.5x)"
    )
    print(f"  peak traced Python memory while ingesting: {peak / 2**20:.1f} MiB")
    print(f"  max RSS of the whole run (pages prepared in memory): {rss:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
