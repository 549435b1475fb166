"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi db upgrade`."""

import sys

from helpdesk import ConfigError, create_app

try:
    app = create_app()
except ConfigError as exc:
    sys.exit(f"helpdesk: {exc}")
