"""The browser's plumbing: id converter, role checks, error pages, headers, language, templates."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Install the id converter, language and time zone selectors, error pages, headers, helpers."""
    from helpdesk.extensions import babel
    from helpdesk.web import errors, i18n, routing, security, sla, templating

    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    routing.register(app)
    errors.register(app)
    security.register(app)
    templating.register(app)
    sla.register(app)
