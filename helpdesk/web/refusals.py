"""The one catalogue from a service error code to the sentence a person reads, in their language.

Services raise stable codes (`ServiceError.code`, the API's `error.code`) with an English
message for logs and English API clients; every page and the API's `Accept-Language: ja`
answer take the sentence from here, so no view reads message text. Where two services use
one code for different things (a rule's number, an employee's number), the exception's
`subject` picks the variant: the key is `code:subject`, else `code`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from helpdesk.models import Role
from helpdesk.services.errors import ServiceError
from helpdesk.web.findings import describe
from helpdesk.web.i18n import api_locale
from helpdesk.web.templating import label, labels

Params = Mapping[str, Any]


def _already_claimed(p: Params) -> str:
    return _("Employee %(number)s is working on this.", number=p.get("claimed_by") or "?")


def _not_open(p: Params) -> str:
    status = p.get("status")
    if status:
        return _(
            "This mention is already %(status)s.", status=labels("mention").get(status, status)
        )
    return _("The mention is no longer open; this reply cannot be sent.")


def _guideline_violation(p: Params) -> str:
    if any(v.get("severity") == "block" for v in p.get("violations", [])):
        return _("The reply breaks the guidelines; change it before sending.")
    return _("The reply has warnings: tick “send anyway” to send it as it is.")


def _canned_guideline_violation(p: Params) -> str:
    findings = "; ".join(
        f"{label('rule', v['rule'])}: {describe(v)}" for v in p.get("violations", [])
    )
    return _(
        "The text breaks the reply guidelines, so it cannot be a canned reply: %(findings)s",
        findings=findings,
    )


def _forbidden(p: Params) -> str:
    if current_user and current_user.is_authenticated and current_user.can(Role.SUPERVISOR):
        return _("Your role does not allow this.")  # asking a supervisor is no help to one
    return _("Your role does not allow this; ask a supervisor.")


def _invalid_period(p: Params) -> str:
    if p.get("parameter") == "period":
        return _("Choose one of the periods offered, or From and To.")
    name = _("To") if p.get("parameter") == "to" else _("From")
    return _("%(name)s: give a date like 2026-01-31.", name=name)


def _invalid_request(p: Params) -> str:
    if p.get("parameter"):
        return _(
            "%(name)s: give a date like 2026-01-31, and a start before the end.",
            name=p["parameter"],
        )
    return _("The request is not valid; check what was sent.")


CATALOGUE: dict[str, Callable[[Params], str]] = {
    # Kinds of refusal, for a code no service narrows further.
    "invalid_request": _invalid_request,
    "not_found": lambda p: _("There is no such record."),
    "unauthorized": lambda p: _("Sign in first, or send a valid API token."),
    "forbidden": _forbidden,
    "conflict": lambda p: _("This changed meanwhile; reload the page and try again."),
    "unprocessable": lambda p: _("This was refused by a rule of the desk."),
    # Signing in, the account, sessions and tokens.
    "invalid_credentials": lambda p: _("Wrong employee number or password."),
    "account_suspended": lambda p: _(
        "Your account is suspended. Ask a supervisor to reinstate it."
    ),
    "session_expired": lambda p: _("Your session ended; sign in again."),
    "wrong_password": lambda p: _("The current password is wrong."),
    "same_password": lambda p: _("Choose a password you have not used here."),
    "weak_password": lambda p: _("A password needs at least 12 characters."),
    "invalid_password": lambda p: _("A password can be at most 512 characters."),
    "common_password": lambda p: _(
        "This password is too easy to guess: it is a common password, or close to your"
        " number, your name or the helpdesk's words. Choose a longer phrase of your own."
    ),
    # Employees.
    "invalid_number": lambda p: _("An employee number is 4 to 6 digits, e.g. 0427."),
    "invalid_name": lambda p: _("A name is 1 to 100 characters."),
    "invalid_role": lambda p: _("Choose one of the roles."),
    "invalid_token_name": lambda p: _(
        "A token name is at most 100 characters, without control or invisible characters."
    ),
    "invalid_language": lambda p: _("Choose Japanese or English."),
    "number_taken": lambda p: _(
        "Employee number %(number)s is already taken; numbers are never reused.",
        number=p.get("number", ""),
    ),
    "role_unchanged": lambda p: _("The employee already has that role."),
    "own_account": lambda p: _("Nobody changes their own role, suspension or password here."),
    "admin_only": lambda p: _("Only an admin manages supervisors and admins."),
    "last_admin": lambda p: _("This is the last active admin; make someone else admin first."),
    # Mentions, claims and replies.
    "already_claimed": _already_claimed,
    "not_yours": lambda p: _(
        "The claim belongs to employee %(number)s.", number=p.get("number", "?")
    ),
    "not_open": _not_open,
    "escalated": lambda p: _(
        "This mention is escalated: a supervisor decides whether to close it."
    ),
    "already_answered": lambda p: _("This mention already has a reply on its way."),
    "routing_next_only": lambda p: _(
        "The desk routes work: press Next to get the most urgent mention that fits you."
    ),
    "already_escalated": lambda p: _("This mention is already escalated."),
    "reason_required": lambda p: _("Give a reason."),
    "reason_too_long": lambda p: _("A reason can be at most 500 characters."),
    "reason_invalid": lambda p: _("A reason cannot contain control or invisible characters."),
    "note_invalid": lambda p: _("A note cannot contain control or invisible characters."),
    "note_required": lambda p: _("Write how it was resolved."),
    "note_too_long": lambda p: _("A note can be at most 500 characters."),
    "invalid_text": lambda p: _(
        "The text has characters that are not valid text; type it again without them."
    ),
    "text_too_long": lambda p: _("The reply is far too long."),
    # Internal notes (services/notes.py).
    "invalid_text:notes": lambda p: _(
        "A note cannot contain control or invisible characters; type it again without them."
    ),
    "note_empty:notes": lambda p: _("Write a note."),
    "note_too_long:notes": lambda p: _("A note can be at most 2,000 characters."),
    "invalid_about": lambda p: _("Choose whether the note is about the mention or the customer."),
    "guideline_violation": _guideline_violation,
    "unfilled_gap": lambda p: _(
        "The reply still has %(gaps)s to fill in: replace each gap with the real value before"
        " sending.",
        gaps=", ".join(p.get("gaps", [])) or "{…}",
    ),
    "own_reply": lambda p: _("Nobody approves or rejects their own reply; ask another supervisor."),
    "not_pending": lambda p: _("This reply is no longer waiting for approval."),
    # Lists and pages.
    "invalid_cursor": lambda p: _("That page link is not valid; start from the first page."),
    "invalid_status": lambda p: _("Choose one of the statuses offered."),
    "invalid_kind:mentions": lambda p: _("Choose posts, DMs or both."),
    "dm_too_long": lambda p: _(
        "A DM can be at most %(limit)s characters; shorten it.", limit=p.get("limit", 10000)
    ),
    "already_dm": lambda p: _("This is already a DM."),
    "invalid_limit": lambda p: _("Ask for fewer items a page."),
    "invalid_sort": lambda p: _("Choose one of the orders offered."),
    # Escalations.
    "escalation_closed": lambda p: _("This escalation is already resolved."),
    "invalid_dismiss": lambda p: _("Tick the box or leave it empty."),
    "unknown_employee": lambda p: _("There is no employee with that number."),
    "employee_suspended": lambda p: _("That employee is suspended."),
    "employee_required": lambda p: _("Give the employee number to assign."),
    # Rules.
    "invalid_kind": lambda p: _("Choose one of the kinds offered."),
    "invalid_language:rules": lambda p: _("Choose Japanese, English or any language."),
    "invalid_severity": lambda p: _("Choose block or warn."),
    "invalid_value": lambda p: _(
        "A rule's text is 1 to 100 characters, without control or invisible characters."
    ),
    "invalid_domain": lambda p: _("A domain is a name like support.acme.example, without a path."),
    "invalid_number:rules": lambda p: _("Give a whole number in the range shown."),
    "invalid_priority": lambda p: _("Choose high or normal."),
    "duplicate_rule": lambda p: _("That rule exists already (disabled ones count too)."),
    "invalid_text:rules": lambda p: _("Write a text to test."),
    "text_too_long:rules": lambda p: _("A text to test is at most 600 characters."),
    # Canned replies.
    "invalid_title": lambda p: _(
        "A title is 1 to 80 characters, without control or invisible characters."
    ),
    "invalid_body": lambda p: _("The text is 1 to 600 characters."),
    "guideline_violation:canned": _canned_guideline_violation,
    # Routing: languages, capacity, tags and mode (supervise/people.py, the API).
    "invalid_languages": lambda p: _("Tick at least one language: Japanese or English."),
    "invalid_capacity": lambda p: _("Capacity is a whole number from 1 to 20."),
    "invalid_tags": lambda p: _("Choose tags from the desk's list."),
    "invalid_mode": lambda p: _("Choose pull or next."),
    "invalid_tag": lambda p: _("A tag is 1 to 50 characters, without control characters."),
    "tag_exists": lambda p: _("That tag exists already."),
    "at_capacity": lambda p: _(
        "You already hold %(count)s mentions, your capacity: finish or release one first.",
        count=p.get("open_claims", "?"),
    ),
    "unknown_tag": lambda p: _(
        "Unknown tags: %(unknown)s. The desk's tags are: %(known)s.",
        unknown=", ".join(p.get("unknown", [])),
        known=", ".join(p.get("known", [])) or _("(none yet)"),
    ),
    "too_many_tags": lambda p: _(
        "A mention can carry at most %(limit)s tags.", limit=p.get("limit", 10)
    ),
    "tag_needs_claim": lambda p: _(
        "A trainee sets tags only on a mention they are working on: claim it first."
    ),
    "invalid_text:tags": lambda p: _("A tag name cannot contain control or invisible characters."),
    # What X costs: prices and the post-read cap (supervise/costs.py).
    "invalid_price": lambda p: _(
        "A price is a number of US dollars from 0 to 1000, with at most 6 decimals (e.g. 0.015)."
    ),
    "negative_price": lambda p: _("A price cannot be negative."),
    "invalid_cap": lambda p: _("The cap is a whole number of post reads, 0 or more."),
    # Periods (services/periods.py), figures and the audit log.
    "invalid_period": _invalid_period,
    "reversed_period": lambda p: _("To must be after From."),
    "invalid_request:period_order": lambda p: _("The first day must be before the last."),
    "period_too_long": lambda p: _("A period covers at most %(days)s days.", days=366),
    "not_found:figure": lambda p: _("There is no such figure."),
    "invalid_action": lambda p: _("An action looks like mention.claimed."),
    "invalid_day": lambda p: _("Give a day like 2026-01-31."),
    # The HTTP layer's own refusals (web/errors.py, the API's edge).
    "csrf_failed": lambda p: _(
        "The form expired or was sent from elsewhere; reload the page and try again."
    ),
    "method_not_allowed": lambda p: _("This address does not accept that kind of request."),
    "too_large": lambda p: _("What was sent is too large."),
    "unsupported_media_type": lambda p: _("Send JSON with Content-Type application/json."),
    "rate_limited": lambda p: _("Too many requests; wait a few minutes before trying again."),
    "internal_error": lambda p: _("Something went wrong on our side; it has been logged."),
    # The same refusals as a page in the browser (web/errors.py), where the reader followed a link.
    "invalid_request:page": lambda p: _("This address is not valid; check the link or go back."),
    "not_found:page": lambda p: _("There is no such page; it was moved or never existed."),
    "forbidden:page": lambda p: _("Your role does not allow you to see this page."),
    "method_not_allowed:page": lambda p: _(
        "This page cannot be used that way; go back and use its buttons."
    ),
    "unavailable": lambda p: _("The desk is unavailable for a moment; try again shortly."),
}


def explain(code_or_exc: str | ServiceError, subject: str | None = None, **params: Any) -> str:
    """The sentence for a refusal (an exception or a bare code) in the current locale."""
    if isinstance(code_or_exc, ServiceError):
        code, subject = code_or_exc.code, subject or code_or_exc.subject
        params = {**code_or_exc.extra, **params}
    else:
        code = code_or_exc
    sentence = CATALOGUE.get(f"{code}:{subject}") or CATALOGUE.get(code)
    if sentence is None:
        # A code nobody catalogued yet: say the kind of refusal, never an English sentence.
        return _invalid_request({})
    return sentence(params)


def known(code: str, subject: str | None = None) -> bool:
    """Whether the catalogue has a sentence of its own for this code (and subject)."""
    return f"{code}:{subject}" in CATALOGUE if subject else code in CATALOGUE


def api_message(code_or_exc: str | ServiceError, english: str, **params: Any) -> str:
    """An API error's message: `english` as written, or the catalogue's in Accept-Language."""
    language = api_locale()
    if language == "en":
        return english
    with force_locale(language):
        return explain(code_or_exc, **params)
