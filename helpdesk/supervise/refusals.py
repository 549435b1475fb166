"""A supervisor page's refusal in the reader's language (the services speak English)."""

from __future__ import annotations

from flask_babel import gettext as _

from helpdesk.services.errors import ServiceError
from helpdesk.web.templating import label


def explain(exc: ServiceError) -> str:
    """A service refusal in the reader's language (the services speak English)."""
    messages = {
        "escalation_closed": _("This escalation is already resolved."),
        "invalid_dismiss": _("Tick the box or leave it empty."),
        "unknown_employee": _("There is no employee with that number."),
        "employee_suspended": _("That employee is suspended."),
        "employee_required": _("Give the employee number to assign."),
        "note_required": _("Write how it was resolved."),
        "note_too_long": _("A note can be at most 500 characters."),
        "reason_required": _("Give a reason."),
        "reason_too_long": _("A reason can be at most 500 characters."),
        "not_pending": _("This reply is no longer waiting for approval."),
        "not_open": _("The mention is no longer open; this reply cannot be sent."),
        "forbidden": _("Your role does not allow this."),
        "admin_only": _("Only an admin manages supervisors and admins."),
        "own_account": _("Nobody changes their own role, suspension or password here."),
        "last_admin": _("This is the last active admin; make someone else admin first."),
        "role_unchanged": _("The employee already has that role."),
        "invalid_number": _("An employee number is 4 to 6 digits, e.g. 0427."),
        "invalid_name": _("A name is 1 to 100 characters."),
        "invalid_role": _("Choose one of the roles."),
        "weak_password": _("A password needs at least 12 characters."),
        "common_password": _(
            "This password is too easy to guess: it is a common password, or close to your"
            " number, your name or the helpdesk's words. Choose a longer phrase of your own."
        ),
        "own_reply": _("Nobody approves or rejects their own reply; ask another supervisor."),
        "invalid_password": _("A password can be at most 512 characters."),
        "invalid_title": _(
            "A title is 1 to 80 characters, without control or invisible characters."
        ),
        "invalid_body": _("The text is 1 to 600 characters."),
        "invalid_language": _("Choose Japanese or English."),
    }
    if exc.code == "already_claimed":
        number = exc.extra.get("claimed_by") or "?"
        return _("Employee %(number)s is working on this.", number=number)
    if exc.code == "guideline_violation":
        findings = "; ".join(
            f"{label('rule', v['rule'])}: {v['message']}" for v in exc.extra.get("violations", [])
        )
        return _(
            "The text breaks the reply guidelines, so it cannot be a canned reply: %(findings)s",
            findings=findings,
        )
    if exc.code == "number_taken":
        return _(
            "Employee number %(number)s is already taken; numbers are never reused.",
            number=exc.extra.get("number", ""),
        )
    if exc.code in messages:
        return messages[exc.code]
    parameter = exc.extra.get("parameter")
    if parameter:
        return _(
            "%(name)s: give a date like 2026-01-31, and a start before the end.", name=parameter
        )
    return exc.message
