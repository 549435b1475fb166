"""Role checks for browser views, in one place (the services check again by role and ownership)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from helpdesk.models import Role

__all__ = ["login_required", "role_required"]


def role_required(role: Role) -> Callable:
    """Send anonymous visitors to the login page and refuse (403) employees below `role`."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.can(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
