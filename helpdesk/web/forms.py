"""The one message a page shows for a form that did not validate."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm


def first_error(form: FlaskForm) -> str:
    """The form's first field error, else a plain "reload and try again"."""
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return _("The form could not be read; reload the page and try again.")
