"""The `helpdesk employee` and `helpdesk token` commands: manage people and their API tokens."""

from __future__ import annotations

import click

from helpdesk.cli.context import with_app


@click.group()
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


def _employee_by_number(number: str):
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


@click.group()
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
