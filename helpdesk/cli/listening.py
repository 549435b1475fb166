"""The `helpdesk listening` commands: rebuild listening's roll-ups from the mentions, or refresh."""

from __future__ import annotations

import click

from helpdesk.cli.context import with_app
from helpdesk.cli.rollups import _instant


@click.group()
def listening() -> None:
    """Listening's roll-ups (mentions, terms, hashtags, tones, priorities per hour and day)."""


@listening.command("rebuild")
@click.option("--from", "raw_from", default=None, help="First instant, e.g. 2026-11-01 (UTC).")
@click.option("--to", "raw_to", default=None, help="End (not included), e.g. 2026-12-01 (UTC).")
@with_app
def listening_rebuild(raw_from: str | None, raw_to: str | None) -> None:
    """Recount [from, to) from the mentions (both absent: everything); the hours the bounds fall
    in are recounted whole, and the days they fall in summed again. Same numbers every time."""
    from helpdesk.services import listening_rollups as service

    start, end = _instant("from", raw_from), _instant("to", raw_to)
    if (start is None) != (end is None):
        raise click.UsageError("give both --from and --to, or neither (everything)")
    if start is not None and end is not None and start >= end:
        raise click.UsageError("--from must be before --to")
    done = service.rebuild(start, end)
    click.echo(f"rebuilt {done['from']} .. {done['to']}: {done['rows']:,} rows")


@listening.command("refresh")
@with_app
def listening_refresh() -> None:
    """Recount what changed since the watermark now (what the scheduled job does)."""
    from helpdesk.services import listening_rollups as service

    done = service.refresh()
    click.echo(f"refreshed {done['refreshed']} hours")
