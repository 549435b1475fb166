"""The `helpdesk sandbox`, `ingest` and `db` commands: run the X sandbox, ingest once, migrate."""

from __future__ import annotations

from typing import Any

import click

from helpdesk.cli.context import with_app


@click.command()
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
