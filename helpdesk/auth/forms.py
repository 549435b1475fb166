"""Forms for signing in and choosing the language (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from helpdesk.web.i18n import LANGUAGES


class LoginForm(FlaskForm):
    """Employee number and password."""

    number = StringField(
        _l("Employee number"),
        validators=[DataRequired(message=_l("Enter your employee number.")), Length(max=6)],
        render_kw={"autocomplete": "username", "inputmode": "numeric", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=512)],
        render_kw={"autocomplete": "current-password"},
    )


class LanguageForm(FlaskForm):
    """The language switch in the header: two submit buttons named `language`."""

    language = StringField(validators=[AnyOf(LANGUAGES)])
