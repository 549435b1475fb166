"""A shared customer-support desk for one brand account on X."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from helpdesk.config import ConfigError, Settings, load_settings

__all__ = ["ConfigError", "create_app"]

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent


def _template_folder() -> str:
    """Top-level templates/ in a checkout; the copy packed into helpdesk/ in a wheel."""
    packed = PACKAGE_DIR / "templates"
    if packed.is_dir():
        return str(packed)
    return str(PACKAGE_DIR.parent / "templates")


def create_app(
    config: Mapping[str, object] | None = None, *, environ: Mapping[str, str] | None = None
) -> Flask:
    """Build the app: settings -> extensions -> web plumbing -> blueprints -> sign-in."""
    settings: Settings = load_settings(environ)
    app = Flask(
        __name__,
        template_folder=_template_folder(),
        instance_path=str(settings.instance_path),
        instance_relative_config=True,
    )
    app.config.from_mapping(settings.to_flask())
    from helpdesk import logs

    logs.init_app(settings)
    if config:
        app.config.from_mapping(config)
    if settings.trusted_proxies:
        # Behind TLS-terminating proxies: the client's address (for login throttling) and
        # scheme (Secure cookies) come from their X-Forwarded-* headers.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    _init_extensions(app, settings)
    from helpdesk import auth, web

    web.init_app(app)
    _register_blueprints(app)
    auth.init_app(app)
    from helpdesk.web import presence

    presence.register(app)
    from helpdesk.services import live_inbox

    live_inbox.register()
    return app


def _init_extensions(app: Flask, settings: Settings) -> None:
    from helpdesk import redis_store
    from helpdesk.database import configure_engine
    from helpdesk.extensions import csrf, db, limiter, login_manager, migrate
    from helpdesk.services import costs, x_status
    from helpdesk.x.client import XClient

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(
        app,
        db,
        directory=str(_migrations_folder()),
        render_as_batch=True,
        include_object=_built_here,
    )
    redis_conn = redis_store.connect(settings.redis_url, settings.instance_path)
    app.extensions["redis"] = redis_conn
    redis_store.warn_if_evicting(redis_conn)
    app.config.setdefault("RATELIMIT_STORAGE_URI", _limiter_storage_uri(redis_conn))
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    app.extensions["x_client"] = XClient.from_settings(
        settings, observer=x_status.record, counter=costs.count_call
    )


def _limiter_storage_uri(redis_conn) -> str:
    """Flask-Limiter's storage on the same Redis, so limits hold across gunicorn workers."""
    kwargs = redis_conn.connection_pool.connection_kwargs
    if "path" in kwargs:
        return f"redis+unix://{kwargs['path']}?db={kwargs.get('db', 0)}"
    host, port, db_index = kwargs.get("host"), kwargs.get("port"), kwargs.get("db", 0)
    password = kwargs.get("password")
    auth = f":{password}@" if password else ""
    return f"redis://{auth}{host}:{port}/{db_index}"


def _built_here(schema_object, _name, _type, _reflected, _compare_to) -> bool:
    """Autogenerate compares only what the migrations build on this backend."""
    from helpdesk.extensions import db
    from helpdesk.models.types import built_on

    return built_on(schema_object, db.engine.dialect.name)


def _migrations_folder() -> Path:
    packed = PACKAGE_DIR / "migrations"
    return packed if packed.is_dir() else PACKAGE_DIR.parent / "migrations"


def _register_blueprints(app: Flask) -> None:
    from helpdesk.account import bp as account_bp
    from helpdesk.api import bp as api_bp
    from helpdesk.auth import bp as auth_bp
    from helpdesk.inbox import bp as inbox_bp
    from helpdesk.supervise import bp as supervise_bp

    app.register_blueprint(account_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(supervise_bp)
