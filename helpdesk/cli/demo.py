"""The `helpdesk demo` command: the whole desk on one machine, with practice data."""

from __future__ import annotations

import sys
from typing import Any

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--sandbox-port", default=8090, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--instance",
    default=None,
    type=click.Path(file_okay=False),
    help="Instance folder (SQLite file, embedded Redis); default ./instance.",
)
@click.option("--demo-password", default=None, help="Password for every demo employee.")
def demo(**options: Any) -> None:
    """Start everything on embedded defaults with demo employees and a trickle of mentions."""
    from helpdesk.demo.supervisor import run_demo

    sys.exit(run_demo(**options))
