"""What a `helpdesk` command runs in: the app, built from the environment, and its context."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from flask import Flask

from helpdesk.config import ConfigError, instance_folder, needs_instance


def require_instance() -> None:
    """Refuse, in one line, to run where there is no instance (rather than make a new one).

    A command run from another folder would otherwise make ./instance there with a fresh
    secret key and an empty database, and then (say) call a genuine coverage proof forged.
    """
    folder = instance_folder()
    if needs_instance() and not folder.is_dir():
        raise click.ClickException(
            f"no instance here (looked in {folder}); set HELPDESK_INSTANCE to the desk's "
            "instance folder, or make one with `helpdesk db upgrade` or `helpdesk demo`"
        )


def make_app(*, create_instance: bool = False) -> Flask:
    """Create the app, turning a bad setting into a one-line error.

    Without `create_instance` a missing instance folder is an error, not made anew.
    """
    from helpdesk import create_app

    if not create_instance:
        require_instance()
    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def with_app(command: Callable | None = None, *, create_instance: bool = False) -> Callable:
    """Run the command inside an app context; domain errors become one-line messages.

    `@with_app` needs an existing instance; `@with_app(create_instance=True)` makes one.
    """
    if command is None:
        return lambda command: with_app(command, create_instance=create_instance)

    @wraps(command)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        from helpdesk.services.errors import ServiceError

        app = make_app(create_instance=create_instance)
        with app.app_context():
            try:
                return command(*args, **kwargs)
            except ServiceError as exc:
                raise click.ClickException(exc.message) from None

    return wrapped
