"""What a `helpdesk` command runs in: the app, built from the environment, and its context."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from flask import Flask

from helpdesk.config import ConfigError


def make_app() -> Flask:
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

        app = make_app()
        with app.app_context():
            try:
                return command(*args, **kwargs)
            except ServiceError as exc:
                raise click.ClickException(exc.message) from None

    return wrapped
