"""Language and time zone per request: the employee's setting, else the browser's, else Japanese."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

from helpdesk.models.employees import LANGUAGES

__all__ = ["LANGUAGES", "api_locale", "select_locale", "select_timezone"]


def select_locale() -> str:
    """The employee's language, else the best of Accept-Language, else Japanese."""
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    if request:
        return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]
    return LANGUAGES[0]


def api_locale() -> str:
    """The API's language: the best of Accept-Language, else English (the contract's language)."""
    if request and request.accept_languages:
        return request.accept_languages.best_match(LANGUAGES) or "en"
    return "en"


def select_timezone() -> str:
    """The employee's time zone, else the desk's HELPDESK_TIMEZONE."""
    if current_user and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return current_app.config["HELPDESK"].timezone
