"""The `helpdesk` command: demo, sandbox, ingest, employee, token, coverage, roll-ups, db."""

from __future__ import annotations

import click

from helpdesk.cli.coverage import coverage
from helpdesk.cli.demo import demo
from helpdesk.cli.employees import employee, token
from helpdesk.cli.listening import listening
from helpdesk.cli.ops import db, ingest, sandbox
from helpdesk.cli.rollups import rollups

__all__ = ["main"]


@click.group(help="A shared customer-support desk for one brand account on X.")
def main() -> None:
    """The helpdesk command group."""
    from helpdesk import logs

    logs.configure()


for command in (sandbox, ingest, employee, token, db, demo, coverage, rollups, listening):
    main.add_command(command)
