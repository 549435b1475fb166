"""The browser's plumbing: role checks, error pages, security headers, language, templates."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Install the language and time zone selectors, error pages, headers and template helpers."""
    from helpdesk.extensions import babel
    from helpdesk.web import errors, i18n, security, templating

    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    errors.register(app)
    security.register(app)
    templating.register(app)
