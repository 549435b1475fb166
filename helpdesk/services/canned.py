"""Canned replies: supervisors write and retire them; every employee inserts them into replies."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from helpdesk.extensions import db
from helpdesk.models import CannedLanguage, CannedReply, Employee, Role
from helpdesk.models.canned import MAX_BODY, MAX_TITLE
from helpdesk.services import audit, process_cache, rule_cache
from helpdesk.services.errors import Forbidden, InvalidInput, NotFound, Unprocessable
from helpdesk.services.guidelines import blocking, check_reply, invisible_characters
from helpdesk.x.text import normalize_line_endings, with_signature

# The variables a canned reply may hold: filled from the mention and the agent when it is
# inserted. Any other `{word}` (e.g. `{order}`) is a gap the agent fills in by hand; the
# server refuses a reply that still has one (replies.unfilled_gaps).
VARIABLES = ("name", "username", "number")
_VARIABLE = re.compile(r"\{(" + "|".join(VARIABLES) + r")\}")

# Any employee's number signs a real reply; the longest one (6 digits) keeps the length honest.
SAMPLE_NUMBER = "000000"
CACHE_NAME = "canned"  # services/process_cache.py: the active ones, as the composer offers them


@dataclass(frozen=True)
class CannedText:
    """An active canned reply as the composer offers it (no database session behind it)."""

    id: int
    title: str
    body: str
    language: str


def list_canned(
    language: CannedLanguage | str | None = None, active_only: bool = True
) -> list[CannedReply]:
    """Canned replies by language then title; only the active ones unless asked otherwise."""
    query = sa.select(CannedReply).order_by(CannedReply.language, CannedReply.title)
    if language:
        query = query.where(CannedReply.language == _parse_language(language))
    if active_only:
        query = query.where(CannedReply.active.is_(True))
    return list(db.session.scalars(query))


def active_canned() -> tuple[CannedText, ...]:
    """The active canned replies by language then title, as this process last read them."""
    return process_cache.cached(
        CACHE_NAME,
        lambda: tuple(CannedText(c.id, c.title, c.body, c.language.value) for c in list_canned()),
    )


def fill_variables(body: str, values: dict[str, str | None]) -> str:
    """`body` with {name}, {username} and {number} replaced by `values`; a variable whose value
    is unknown or empty (an author X left unnamed) stays a gap for the agent to fill in."""

    def value(match: re.Match[str]) -> str:
        return values.get(match.group(1)) or match.group(0)

    return _VARIABLE.sub(value, body)


def get_canned(canned_id: int) -> CannedReply:
    """One canned reply, or NotFound."""
    canned = db.session.get(CannedReply, canned_id)
    if canned is None:
        raise NotFound(f"No canned reply {canned_id}.", code="not_found")
    return canned


def create_canned(title: object, body: object, language: object, *, actor: Employee) -> CannedReply:
    """Add a canned reply after the guideline check (supervisors and admins only)."""
    _check_supervisor(actor)
    title, body, lang = _validate(title, body, language)
    canned = CannedReply(title=title, body=body, language=lang, active=True, created_by_id=actor.id)
    db.session.add(canned)
    db.session.flush()
    audit.record(
        "canned.created", "canned_reply", canned.id, actor=actor, title=title, language=lang.value
    )
    db.session.commit()
    process_cache.changed(CACHE_NAME)
    return canned


def update_canned(
    canned_id: int, title: object, body: object, language: object, *, actor: Employee
) -> CannedReply:
    """Rewrite a canned reply's title, body and language after the guideline check."""
    _check_supervisor(actor)
    canned = get_canned(canned_id)
    title, body, lang = _validate(title, body, language)
    before = {"title": canned.title, "body": canned.body, "language": canned.language.value}
    canned.title, canned.body, canned.language = title, body, lang
    audit.record(
        "canned.updated",
        "canned_reply",
        canned.id,
        actor=actor,
        before=before,
        after={"title": title, "body": body, "language": lang.value},
    )
    db.session.commit()
    process_cache.changed(CACHE_NAME)
    return canned


def set_canned_active(canned_id: int, active: bool, *, actor: Employee) -> bool:
    """Deactivate or reactivate a canned reply; False when it already was."""
    _check_supervisor(actor)
    canned = get_canned(canned_id)
    if canned.active == active:
        return False
    canned.active = active
    action = "canned.reactivated" if active else "canned.deactivated"
    audit.record(action, "canned_reply", canned.id, actor=actor)
    db.session.commit()
    process_cache.changed(CACHE_NAME)
    return True


def _check_supervisor(actor: Employee) -> None:
    if actor is None or not actor.active or not actor.can(Role.SUPERVISOR):
        raise Forbidden("Only supervisors and admins edit canned replies.", code="forbidden")


def _parse_language(language: object) -> CannedLanguage:
    try:
        return CannedLanguage(language)
    except ValueError:
        choices = ", ".join(lang.value for lang in CannedLanguage)
        raise InvalidInput(
            f"Language must be one of {choices}.", code="invalid_language", parameter="language"
        ) from None


def _validate(title: object, body: object, language: object) -> tuple[str, str, CannedLanguage]:
    """Trimmed title and body within their limits, a known language, no blocking finding."""
    if (
        not isinstance(title, str)
        or not (title := title.strip())
        or len(title) > MAX_TITLE
        or invisible_characters(title)
    ):
        raise InvalidInput(
            f"A title is 1 to {MAX_TITLE} characters, without control or invisible characters.",
            code="invalid_title",
        )
    if not isinstance(body, str) or not (body := normalize_line_endings(body).strip()):
        raise InvalidInput(f"A body is 1 to {MAX_BODY} characters.", code="invalid_body")
    if len(body) > MAX_BODY:
        raise InvalidInput(f"A body is 1 to {MAX_BODY} characters.", code="invalid_body")
    lang = _parse_language(language)
    settings = current_app.config["HELPDESK"]
    signed = with_signature(body, SAMPLE_NUMBER, settings.signature_format)
    refused = blocking(check_reply(signed, rule_cache.current_guideline_policy()))
    if refused:
        raise Unprocessable(
            "The body breaks the reply guidelines: " + " ".join(v.message for v in refused),
            code="guideline_violation",
            subject="canned",
            violations=[v.to_dict() for v in refused],
        )
    return title, body, lang
