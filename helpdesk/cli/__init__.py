"""The `helpdesk` command: demo, sandbox, ingest, employee, token and db."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from flask import Flask

from helpdesk.config import ConfigError


def _app() -> Flask:
    """Create the app, turning a bad setting into a one-line error."""
    from helpdesk import create_app

    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def with_app(command: Callable) -> Callable:
    """Run the command inside an app context; domain errors become one-line messages."""

    @wraps(command)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        from helpdesk.services.errors import ServiceError

        app = _app()
        with app.app_context():
            try:
                return command(*args, **kwargs)
            except ServiceError as exc:
                raise click.ClickException(exc.message) from None

    return wrapped


@click.group(help="A shared customer-support desk for one brand account on X.")
def main() -> None:
    """The helpdesk command group."""
    from helpdesk import logs

    logs.configure()


@main.command()
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


@main.command()
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


@main.group()
def employee() -> None:
    """Manage employees."""


@employee.command("create")
@click.option("--number", required=True, help="4 to 6 digits, e.g. 0427; never reused.")
@click.option("--name", required=True)
@click.option(
    "--role", required=True, type=click.Choice(["trainee", "agent", "supervisor", "admin"])
)
@click.option("--password", default=None, help="Prompted for when absent.")
@with_app
def employee_create(number: str, name: str, role: str, password: str | None) -> None:
    """Add an employee who logs in with their number and password."""
    from helpdesk.services.employees import create_employee

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    created = create_employee(number, name, role, password)
    click.echo(f"created {created.role.value} {created.number} ({created.name})")


def _employee_by_number(number: str):  # type: ignore[no-untyped-def]
    """The employee with this number, else a one-line error."""
    from helpdesk.services.employees import find_employee

    found = find_employee(number.strip())
    if found is None:
        raise click.ClickException(f"no employee {number}")
    return found


@employee.command("list")
@with_app
def employee_list() -> None:
    """Print every employee, suspended ones too, in number order."""
    from helpdesk.services.employees import list_employees

    for person in list_employees():
        state = "active" if person.active else "suspended"
        fields = (person.number, person.role.value, state, person.language or "-", person.name)
        click.echo("\t".join(fields))


@employee.command("suspend")
@click.option("--number", required=True, help="The employee number.")
@with_app
def employee_suspend(number: str) -> None:
    """Suspend an employee: sessions and tokens end; the number is never reused."""
    from helpdesk.services.employees import set_active

    found = _employee_by_number(number)
    if set_active(found, False, actor=None):
        click.echo(f"suspended {found.number} ({found.name})")
    else:
        click.echo(f"{found.number} was already suspended")


@employee.command("reinstate")
@click.option("--number", required=True, help="The employee number.")
@with_app
def employee_reinstate(number: str) -> None:
    """Let a suspended employee sign in again."""
    from helpdesk.services.employees import set_active

    found = _employee_by_number(number)
    if set_active(found, True, actor=None):
        click.echo(f"reinstated {found.number} ({found.name})")
    else:
        click.echo(f"{found.number} was already active")


@employee.command("set-role")
@click.option("--number", required=True, help="The employee number.")
@click.option(
    "--role", required=True, type=click.Choice(["trainee", "agent", "supervisor", "admin"])
)
@with_app
def employee_set_role(number: str, role: str) -> None:
    """Certify, promote or demote an employee; their sessions and tokens end."""
    from helpdesk.services.employees import set_role

    found = _employee_by_number(number)
    set_role(found, role, actor=None)
    click.echo(f"{found.number} is now {found.role.value}")


@main.group()
def token() -> None:
    """Manage personal API tokens."""


@token.command("create")
@click.option("--employee", "number", required=True, help="The employee number.")
@with_app
def token_create(number: str) -> None:
    """Print a new API token for an employee (alone, on the last line)."""
    from helpdesk.services.employees import create_token

    found = _employee_by_number(number)
    if not found.active:
        raise click.ClickException(f"employee {number} is suspended")
    click.echo(f"token for {found.number} (shown once; store it now):", err=True)
    click.echo(create_token(found))


@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@with_app
def db_upgrade() -> None:
    """Apply every migration (the same as `flask --app wsgi db upgrade`)."""
    from flask_migrate import upgrade

    upgrade()
    click.echo("database is up to date")


@main.command()
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
    from helpdesk.demo import run_demo

    sys.exit(run_demo(**options))


from helpdesk.cli.coverage import coverage  # noqa: E402 - its own module, added to the group here

main.add_command(coverage)
