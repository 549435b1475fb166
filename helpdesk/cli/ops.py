"""The `helpdesk sandbox`, `ingest` and `db` commands: run the X sandbox, ingest once, migrate."""

from __future__ import annotations

from typing import Any

import click

from helpdesk.cli.context import with_app

# `helpdesk sandbox --help`: the X routes are tweepy's business; a trainer needs the
# control routes, so every /_sandbox/ route is listed (a test holds this to the url map).
SANDBOX_HELP = """Serve the X sandbox: a local emulator of the X API v2 endpoints we use.

Point the desk at it with X_API_BASE_URL=http://HOST:PORT (any X credentials do). A
trainer makes practice mentions, and trouble, through its control routes: JSON in and
out, no auth, a bad request is 400 {"error": "..."}. With the defaults:

\b
  curl -X POST localhost:8090/_sandbox/mentions -H 'Content-Type: application/json' \\
       -d '{"username": "hanako", "text": "@acme_help my order has not arrived"}'

\b
Control routes (? marks an optional field):
  POST   /_sandbox/mentions       a customer's mention of the brand:
         {"username", "text", "name"?, "in_reply_to_tweet_id"?, "quote_of"?,
          "retweet_of"? (then no text), "author_unavailable"? (true: the user
          is suspended, false restores)} -> 201 {"id"}
  POST   /_sandbox/tweets         the same body: a customer's post that need not
                                  mention the brand -> 201 {"id"}
  POST   /_sandbox/mentions/bulk  {"count": 1-200000, "seed"?} -> 201 {"count",
                                  "oldest_id", "newest_id"}: realistic mentions,
                                  the same for the same seed
  GET    /_sandbox/tweets         ?author=brand|USERNAME: their posts, oldest
                                  first (the brand's replies, say)
  POST   /_sandbox/dms            a customer DMs the brand: {"username", "text"
                                  ("" for an attachment only), "name"?,
                                  "event_type"? (ParticipantsJoin|Leave),
                                  "author_unavailable"?} -> 201 {"id"}
  POST   /_sandbox/dms/from-brand {"username", "text"}: the brand DMs a
                                  customer from another client -> 201 {"id"}
  GET    /_sandbox/dms            ?with=USERNAME: that DM conversation, oldest
                                  first: id, sender (brand|username), text
  GET    /_sandbox/received       every request X's routes were sent since the
                                  last reset (what reached X, nothing else)
  POST   /_sandbox/users/<username>
                                  {"accepts_dms"?, "unavailable"?}: false makes
                                  the brand's DMs to them a 403
  POST   /_sandbox/faults         make X fail: {"status"? (0 drops the
                                  connection, 400-599), "latency_ms"?, "body"?
                                  (served verbatim), "count"? (default 1),
                                  "path"?, "method"?, "after_commit"? (a post
                                  lands, then fails)} -> 201 the fault
  GET    /_sandbox/faults         the pending faults, with "remaining"
  DELETE /_sandbox/faults         drop every pending fault
  GET    /_sandbox/config         the live settings
  POST   /_sandbox/config         change them: {"mentions_window"?, "rate_limit"?,
                                  "post_limit"?, "rate_window_seconds"?,
                                  "daily_post_limit"?, "dm_read_limit"? (15),
                                  "dm_send_limit"? (15), "daily_dm_limit"?
                                  (1440), "dm_window_days"? (30)} (positive
                                  integers)
  POST   /_sandbox/reset          forget every tweet, customer, fault and count
                                  (the brand and the id clock stay)
  GET    /_sandbox/stats          tweets, users, requests, 429s, faults, rate
                                  windows
  POST   /_sandbox/clock          {"advance_seconds"}: move the sandbox clock on
                                  (rate windows, created_at) -> {"now"}
"""


@click.command(help=SANDBOX_HELP)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8090, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--mentions-window",
    default=800,
    show_default=True,
    type=click.IntRange(1, 100000),
    help="How many of the newest mentions the mentions endpoint serves.",
)
@click.option(
    "--rate-limit",
    default=300,
    show_default=True,
    type=click.IntRange(1, 10**6),
    help="Read requests per endpoint per window.",
)
@click.option(
    "--post-limit",
    default=100,
    show_default=True,
    type=click.IntRange(1, 10**6),
    help="Posts per window.",
)
@click.option(
    "--rate-window-seconds", default=900, show_default=True, type=click.IntRange(1, 86400)
)
@click.option(
    "--trickle",
    "trickle_seconds",
    default=None,
    type=click.FloatRange(0.1, 3600),
    help="Add a realistic customer mention every this many seconds.",
)
@click.option("--seed", default=None, type=int, help="Seed for the generated mentions.")
def sandbox(**options: Any) -> None:
    """Serve the X sandbox: a local emulator of the X API v2 endpoints we use."""
    from helpdesk.x.sandbox.server import run_sandbox

    host, port = options.pop("host"), options.pop("port")
    click.echo(f"X sandbox on http://{host}:{port} (Ctrl-C stops it)")
    run_sandbox(host, port, **options)


@click.command()
@click.option("--once", is_flag=True, required=True, help="One full pass, synchronously.")
@with_app
def ingest(once: bool) -> None:
    """Ingest the brand account's mentions now."""
    from helpdesk.services.ingest import ingest_mentions
    from helpdesk.x.errors import XError

    try:
        summary = ingest_mentions()
    except XError as exc:
        raise click.ClickException(f"ingest failed: {exc}") from None
    click.echo(
        f"{summary.outcome}: {summary.pages} page(s), {summary.fetched} fetched, "
        f"{summary.inserted} new"
        + (f", retry at {summary.retry_at}" if summary.retry_at else "")
        + (f" ({summary.skipped})" if summary.skipped else "")
    )


@click.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@with_app(create_instance=True)
def db_upgrade() -> None:
    """Apply every migration (the same as `flask --app wsgi db upgrade`); makes the instance."""
    from flask_migrate import upgrade

    upgrade()
    click.echo("database is up to date")
