"""Forms of the account page (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class ChangePasswordForm(FlaskForm):
    """The current password, then the new one twice."""

    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password.")), Length(max=512)],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(message=_l("Enter a new password.")), Length(max=512)],
        render_kw={"autocomplete": "new-password", "minlength": 12},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[EqualTo("new", message=_l("The two new passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class TokenForm(FlaskForm):
    """A name for a new API token, so its owner can tell it from the others."""

    name = StringField(
        _l("Token name"),
        validators=[Length(max=100, message=_l("A token name is at most 100 characters."))],
        render_kw={"placeholder": _l("e.g. reporting script")},
    )


class RevokeForm(FlaskForm):
    """The revoke button: a CSRF token and nothing else."""
