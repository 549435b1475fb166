"""The `helpdesk rollups` commands: rebuild the reports' roll-ups from the mentions, or refresh."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import click

from helpdesk.cli.context import with_app


def _instant(name: str, raw: str | None) -> datetime | None:
    """An ISO date (00:00 UTC) or datetime (UTC unless it has an offset), or None."""
    if raw is None:
        return None
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), time(), UTC)
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise click.BadParameter(
            "an ISO 8601 date or datetime, like 2026-01-31 or 2026-01-31T09:00:00Z",
            param_hint=f"--{name}",
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@click.group()
def rollups() -> None:
    """The roll-ups coverage reads (counts and response histograms per 15 minutes)."""


@rollups.command("rebuild")
@click.option("--from", "raw_from", default=None, help="First instant, e.g. 2026-11-01 (UTC).")
@click.option("--to", "raw_to", default=None, help="End (not included), e.g. 2026-12-01 (UTC).")
@with_app
def rollups_rebuild(raw_from: str | None, raw_to: str | None) -> None:
    """Recompute the roll-ups of [from, to) from the mentions (both absent: everything);
    the buckets the bounds fall in are recomputed whole. Gives the same numbers every time."""
    from helpdesk.services import rollups as service

    start, end = _instant("from", raw_from), _instant("to", raw_to)
    if (start is None) != (end is None):
        raise click.UsageError("give both --from and --to, or neither (everything)")
    if start is not None and end is not None and start >= end:
        raise click.UsageError("--from must be before --to")
    done = service.rebuild(start, end)
    click.echo(f"rebuilt {done['from']} .. {done['to']}: {done['rows']:,} rows")


@rollups.command("refresh")
@with_app
def rollups_refresh() -> None:
    """Refresh what changed since the watermark now (what the scheduled job does)."""
    from helpdesk.services import rollups as service

    done = service.refresh()
    click.echo(f"refreshed {done['refreshed']} buckets")
