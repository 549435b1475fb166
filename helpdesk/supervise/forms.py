"""Forms on the supervisors' pages (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from helpdesk.models.canned import MAX_BODY, MAX_TITLE
from helpdesk.services.escalation import MAX_NOTE
from helpdesk.services.mentions import MAX_REASON


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (approve a reply)."""


class SuspendForm(FlaskForm):
    """Suspend an employee: a required tick, since it ends their sessions and tokens at once."""

    confirm = BooleanField(
        _l("Yes, suspend now"),
        validators=[DataRequired(message=_l("Tick the box to confirm the suspension."))],
    )


class AssignForm(FlaskForm):
    """Give an escalation to an employee, by number."""

    employee = StringField(
        _l("Employee number"),
        validators=[
            DataRequired(message=_l("Give the employee number to assign.")),
            Length(max=6, message=_l("Employee numbers have 4 to 6 digits.")),
        ],
    )


class ResolveForm(FlaskForm):
    """Close an escalation with a note."""

    note = StringField(
        _l("Resolution note"),
        validators=[
            DataRequired(message=_l("Write how it was resolved.")),
            Length(max=MAX_NOTE, message=_l("A note can be at most 500 characters.")),
        ],
    )
    dismiss = BooleanField(_l("Close the mention without a reply"))


class RejectForm(FlaskForm):
    """Turn a trainee's reply down, with the reason."""

    reason = StringField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("Give a reason.")),
            Length(max=MAX_REASON, message=_l("A reason can be at most 500 characters.")),
        ],
    )


class CreateEmployeeForm(FlaskForm):
    """Add an employee: number (never reused), name, role and a first password."""

    number = StringField(
        _l("Employee number"),
        validators=[
            DataRequired(message=_l("Give the new employee's number.")),
            Length(max=6, message=_l("Employee numbers have 4 to 6 digits.")),
        ],
    )
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Give the employee's name.")),
            Length(max=100, message=_l("A name is 1 to 100 characters.")),
        ],
    )
    role = StringField(_l("Role"))  # a <select> on the page; the service checks the value
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(message=_l("Give a first password."))],
    )


class RoleForm(FlaskForm):
    """Give an employee another role (certify, promote, demote)."""

    role = StringField(_l("Role"))  # a <select> on the page; the service checks the value


class PasswordForm(FlaskForm):
    """Set a new password for someone who lost theirs."""

    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(message=_l("Give the new password."))],
    )


class CannedForm(FlaskForm):
    """Write or rewrite a canned reply: title, body and language (the service checks them)."""

    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(message=_l("Give the canned reply a title.")),
            Length(max=MAX_TITLE, message=_l("A title is 1 to 80 characters.")),
        ],
    )
    body = TextAreaField(
        _l("Text"),
        validators=[
            DataRequired(message=_l("Write the canned reply's text.")),
            Length(max=MAX_BODY, message=_l("The text is 1 to 600 characters.")),
        ],
    )
    language = StringField(_l("Language"))  # a <select> on the page; the service checks it
