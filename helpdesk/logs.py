"""Logging in one place: one format, the RQ job id in worker lines, secrets scrubbed, caps.

`configure` is what the CLI and the worker call once at start; `init_app` is what
create_app calls (under gunicorn or pytest the handlers are theirs, the rest is ours).

Secrets are scrubbed out of every log record: X credentials, keys, passwords in URLs, API
tokens. Libraries print credentials at DEBUG (tweepy its request headers, requests-oauthlib the
signed OAuth header, oauthlib the signature base string with the consumer key and token),
and an exception may carry a URL with a password. `install` puts a `RedactingFilter` into
the log record factory, so every record is scrubbed where it is made: a filter on a logger
never sees its children's records, and handlers come and go (gunicorn's, RQ's, pytest's).
"""

from __future__ import annotations

import base64
import logging
import re
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus, unquote, urlsplit

from rq import get_current_job

if TYPE_CHECKING:
    from helpdesk.config import Settings

# One format for every process; %(job)s is "job=<id> " inside an RQ job, else empty.
FORMAT = "%(asctime)s %(name)s %(levelname)s %(job)s%(message)s"

MASK = "[REDACTED]"
# Shorter values are not redacted by value (a 2-letter test key would eat half of every
# line); the credential-shaped patterns below still catch them in headers and parameters.
MIN_SECRET_LENGTH = 8

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization header values, in any rendering (HTTP, dict repr, JSON).
    (re.compile(r"\b(Bearer)(\s+)[A-Za-z0-9\-._~+/%=]+", re.IGNORECASE), rf"\1\2{MASK}"),
    (re.compile(r"\b(Basic)(\s+)[A-Za-z0-9+/]{8,}={0,2}"), rf"\1\2{MASK}"),
    (re.compile(r"\b(OAuth)(\s+)oauth_[^'\r\n]*"), rf"\1\2{MASK}"),
    # OAuth 1.0a parameters, also percent-encoded inside a signature base string and in
    # oauthlib's list of (name, value) pairs.
    (
        re.compile(
            r"(?<![A-Za-z])(oauth_[a-z_]+)(=|%3D|%253D|'\s*,\s*'|\"\s*:\s*\")"
            rf"(?!{re.escape(MASK)})((?:(?!%26|%2526)[^&\"',\s)\]])*)"
        ),
        rf"\1\2{MASK}",
    ),
    # oauthlib's Client repr (it masks the secrets itself, not the key and the token).
    (re.compile(r"\b(client_key|resource_owner_key)=([^,\s>]+)"), rf"\1={MASK}"),
    # An OAuth signature printed on its own ("Signature: ...", "signature=...").
    (
        re.compile(r"\b(signature[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9+/=%_\-]{16,}", re.IGNORECASE),
        rf"\1{MASK}",
    ),
    # Our personal API tokens ("hd_" + 43 characters; the 10-character prefix shown in the
    # app stays readable).
    (re.compile(r"\bhd_[A-Za-z0-9_\-]{20,}"), MASK),
    # The password in a URL: scheme://user:password@host.
    (
        re.compile(r"\b([a-z][a-z0-9+.\-]*://[^:/@\s'\"]*:)([^@\s'\"/]+)(@)", re.IGNORECASE),
        rf"\1{MASK}\3",
    ),
)


def encodings(secret: str) -> set[str]:
    """The forms a secret travels in: as is, percent-encoded (once and twice) and base64."""
    raw = secret.encode()
    once = quote(secret, safe="")
    forms = {secret, once, quote(secret), quote_plus(secret), quote(once, safe="")}
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        forms |= {encoded.decode(), encoded.decode().rstrip("=")}
    return {f for f in forms if f}


class RedactingFilter(logging.Filter):
    """Replaces known secret values and credential-shaped text in a record; keeps the record."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._by_value: re.Pattern[str] | None = None

    def add(self, secrets: Iterable[str | None]) -> None:
        """Also redact these values (and their encodings) from now on."""
        wanted = {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}
        with self._lock:
            if wanted <= self._secrets:
                return
            self._secrets |= wanted
            forms = set().union(*(encodings(s) for s in self._secrets))
            ordered = sorted(forms, key=len, reverse=True)  # longest first: no partial masks
            self._by_value = re.compile("|".join(re.escape(f) for f in ordered))

    def redact(self, text: str) -> str:
        """`text` with every secret masked."""
        by_value = self._by_value
        if by_value is not None:
            text = by_value.sub(MASK, text)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub the message, the traceback and the stack of `record` in place."""
        try:
            message = record.getMessage()
        except Exception:  # bad %-args or __str__: logging must never raise into the caller
            message = f"{record.msg!r} % {record.args!r}"
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        text = record.exc_text
        if record.exc_info and not text:
            text = logging.Formatter().formatException(record.exc_info)
        if text:
            clean = self.redact(text)
            if clean != text:
                # Handlers print exc_text; drop exc_info so none formats the original again.
                record.exc_text, record.exc_info = clean, None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


_filter = RedactingFilter()
_install_lock = threading.Lock()


def _url_password(url: str | None) -> str | None:
    try:
        password = urlsplit(url or "").password
    except ValueError:  # not a URL we can read; the URL pattern still masks its password
        return None
    return unquote(password) if password else None


def secrets_of(settings: Settings) -> list[str | None]:
    """The secret values in the settings, the passwords in the database and Redis URLs too."""
    return [
        settings.secret_key,
        settings.x_bearer_token,
        settings.x_consumer_key,
        settings.x_consumer_secret,
        settings.x_access_token,
        settings.x_access_token_secret,
        _url_password(settings.database_url),
        _url_password(settings.redis_url),
    ]


def install(settings: Settings | None = None) -> RedactingFilter:
    """Scrub every log record of this process from now on (idempotent; secrets accumulate)."""
    if settings is not None:
        _filter.add(secrets_of(settings))
    with _install_lock:
        factory = logging.getLogRecordFactory()
        if not getattr(factory, "redacting", False):
            logging.setLogRecordFactory(_redacting_factory(factory))
    return _filter


def _redacting_factory(previous: Any) -> Any:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _filter.filter(record)
        return record

    factory.redacting = True
    return factory


class CurrentJobFilter(logging.Filter):
    """Puts the current RQ job's id on each record as `job` (Redash's CurrentJobFilter)."""

    def filter(self, record: logging.LogRecord) -> bool:
        job = get_current_job()
        record.job = f"job={job.id} " if job is not None else ""
        return True


def cap_libraries() -> None:
    """tweepy's DEBUG log prints request headers, bearer token included: never below INFO.

    Alembic logs seven "setup plugin" lines at INFO when Flask-Migrate imports it, on every
    start: its plugin logger is held at WARNING (migrations still say what they run).
    """
    tweepy_log = logging.getLogger("tweepy")
    tweepy_log.setLevel(max(tweepy_log.getEffectiveLevel(), logging.INFO))
    plugins_log = logging.getLogger("alembic.runtime.plugins")
    plugins_log.setLevel(max(plugins_log.getEffectiveLevel(), logging.WARNING))


def init_app(settings: Settings) -> None:
    """For create_app: scrub these settings' secrets from every record, cap chatty libraries."""
    install(settings)  # every log record is scrubbed of these secrets from here on
    cap_libraries()


def configure(level: int = logging.INFO) -> None:
    """For the CLI and the worker: redaction first, then a stderr handler in FORMAT.

    Like logging.basicConfig (which it calls), it leaves a root logger that already has
    handlers alone: under pytest or an embedding program, theirs stay in charge.
    """
    install()  # credential-shaped text is masked in every record from the first one
    handler = logging.StreamHandler()
    handler.addFilter(CurrentJobFilter())
    logging.basicConfig(level=level, format=FORMAT, handlers=[handler])
    cap_libraries()
