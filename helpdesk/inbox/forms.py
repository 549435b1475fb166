"""Forms on the mention page (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from helpdesk.models import MAX_NOTE
from helpdesk.services.guidelines import DM_MAX_CHARS
from helpdesk.services.mentions import MAX_REASON
from helpdesk.services.replies import MAX_INPUT_CHARS


class ReplyForm(FlaskForm):
    """The composer; the service signs, counts and checks the text."""

    text = TextAreaField(
        _l("Reply"),
        validators=[Length(max=MAX_INPUT_CHARS, message=_l("The reply is far too long."))],
        render_kw={"rows": 5, "maxlength": MAX_INPUT_CHARS},
    )
    confirm_warnings = BooleanField(_l("Send anyway: I have read the warnings above."))


class DmReplyForm(FlaskForm):
    """The composer of a DM item: X's DM limit, no signature; the service checks the text."""

    text = TextAreaField(
        _l("Reply"),
        # Above X's limit the service answers with the limit; far above, the form refuses.
        validators=[Length(max=2 * DM_MAX_CHARS, message=_l("The reply is far too long."))],
        render_kw={"rows": 8, "maxlength": DM_MAX_CHARS},
    )
    confirm_warnings = BooleanField(_l("Send anyway: I have read the warnings above."))


class MoveToDmForm(FlaskForm):
    """Invite the customer to DM: the canned invitation, or the agent's own words."""

    text = TextAreaField(
        _l("Invitation (optional)"),
        validators=[Length(max=MAX_INPUT_CHARS, message=_l("The reply is far too long."))],
        render_kw={"rows": 3, "maxlength": MAX_INPUT_CHARS},
    )
    confirm_warnings = BooleanField(_l("Send anyway: I have read the warnings above."))


class DismissForm(FlaskForm):
    """Close a mention without replying, with the reason recorded."""

    reason = StringField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("Give a reason.")),
            Length(max=MAX_REASON, message=_l("A reason can be at most 500 characters.")),
        ],
        render_kw={"maxlength": MAX_REASON},
    )


class NoteForm(FlaskForm):
    """An internal note: staff only, never posted; the service checks the text."""

    text = TextAreaField(
        _l("Internal note"),
        # Far above the limit the form refuses; up to twice it, the service says the limit.
        validators=[
            Length(max=2 * MAX_NOTE, message=_l("A note can be at most 2,000 characters."))
        ],
        render_kw={"rows": 3, "maxlength": MAX_NOTE},
    )
    about_customer = BooleanField(_l("About the customer (shown on all their mentions)"))


class TagsForm(FlaskForm):
    """A mention's tags: the page's checkboxes (request.form's `tags`), checked by the service;
    the form itself carries the CSRF token."""
