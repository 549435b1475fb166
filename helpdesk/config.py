"""Typed settings read from the environment, validated in create_app with one-line errors."""

from __future__ import annotations

import os
import secrets
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa

from helpdesk.x.text import validate_signature_format


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names it and says what is expected."""


@dataclass(frozen=True)
class Settings:
    """Every setting of the helpdesk, with its environment name in `env` metadata."""

    instance_path: Path = field(metadata={"env": "HELPDESK_INSTANCE"})
    database_url: str = field(metadata={"env": "DATABASE_URL"})
    redis_url: str | None = field(metadata={"env": "REDIS_URL"})
    secret_key: str = field(metadata={"env": "SECRET_KEY"}, repr=False)
    x_api_base_url: str | None = field(metadata={"env": "X_API_BASE_URL"})
    x_bearer_token: str | None = field(metadata={"env": "X_BEARER_TOKEN"}, repr=False)
    x_consumer_key: str | None = field(metadata={"env": "X_CONSUMER_KEY"}, repr=False)
    x_consumer_secret: str | None = field(metadata={"env": "X_CONSUMER_SECRET"}, repr=False)
    x_access_token: str | None = field(metadata={"env": "X_ACCESS_TOKEN"}, repr=False)
    x_access_token_secret: str | None = field(metadata={"env": "X_ACCESS_TOKEN_SECRET"}, repr=False)
    x_timeout_seconds: float = field(metadata={"env": "HELPDESK_X_TIMEOUT_SECONDS"})
    ingest_interval_seconds: int = field(metadata={"env": "HELPDESK_INGEST_INTERVAL_SECONDS"})
    dm_ingest_interval_seconds: int = field(metadata={"env": "HELPDESK_DM_INGEST_INTERVAL_SECONDS"})
    sla_normal_seconds: int = field(metadata={"env": "HELPDESK_SLA_NORMAL_SECONDS"})
    sla_high_seconds: int = field(metadata={"env": "HELPDESK_SLA_HIGH_SECONDS"})
    claim_ttl_seconds: int = field(metadata={"env": "HELPDESK_CLAIM_TTL_SECONDS"})
    signature_format: str = field(metadata={"env": "HELPDESK_SIGNATURE"})
    timezone: str = field(metadata={"env": "HELPDESK_TIMEZONE"})
    post_max_attempts: int = field(metadata={"env": "HELPDESK_POST_MAX_ATTEMPTS"})
    posting_grace_seconds: int = field(metadata={"env": "HELPDESK_POSTING_GRACE_SECONDS"})
    outbox_sweep_seconds: int = field(metadata={"env": "HELPDESK_OUTBOX_SWEEP_SECONDS"})
    outbox_requeue_seconds: int = field(metadata={"env": "HELPDESK_OUTBOX_REQUEUE_SECONDS"})
    sla_sweep_seconds: int = field(metadata={"env": "HELPDESK_SLA_SWEEP_SECONDS"})
    badges_interval_seconds: int = field(metadata={"env": "HELPDESK_BADGES_INTERVAL_SECONDS"})
    rollups_interval_seconds: int = field(metadata={"env": "HELPDESK_ROLLUPS_INTERVAL_SECONDS"})
    routing_interval_seconds: int = field(metadata={"env": "HELPDESK_ROUTING_INTERVAL_SECONDS"})
    auto_idle_seconds: int = field(metadata={"env": "HELPDESK_AUTO_IDLE_SECONDS"})
    mentions_window: int = field(metadata={"env": "HELPDESK_MENTIONS_WINDOW"})
    trusted_proxies: int = field(metadata={"env": "HELPDESK_TRUSTED_PROXIES"})
    session_idle_minutes: int = field(metadata={"env": "HELPDESK_SESSION_IDLE_MINUTES"})
    session_max_hours: int = field(metadata={"env": "HELPDESK_SESSION_MAX_HOURS"})

    def to_flask(self) -> dict[str, object]:
        """The Flask config keys derived from these settings."""
        return {
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options(self.database_url),
            "HELPDESK": self,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "BABEL_DEFAULT_TIMEZONE": "UTC",
        }


DEFAULTS: dict[str, str] = {
    "HELPDESK_INSTANCE": "instance",
    "HELPDESK_X_TIMEOUT_SECONDS": "10",
    "HELPDESK_INGEST_INTERVAL_SECONDS": "15",
    # X allows 15 DM event reads per 15 minutes: one a minute stays inside it.
    "HELPDESK_DM_INGEST_INTERVAL_SECONDS": "60",
    "HELPDESK_SLA_NORMAL_SECONDS": "3600",
    "HELPDESK_SLA_HIGH_SECONDS": "900",
    "HELPDESK_CLAIM_TTL_SECONDS": "600",
    "HELPDESK_SIGNATURE": " ^{number}",
    "HELPDESK_TIMEZONE": "Asia/Tokyo",
    "HELPDESK_POST_MAX_ATTEMPTS": "5",
    "HELPDESK_POSTING_GRACE_SECONDS": "60",
    "HELPDESK_OUTBOX_SWEEP_SECONDS": "30",
    "HELPDESK_OUTBOX_REQUEUE_SECONDS": "30",
    "HELPDESK_SLA_SWEEP_SECONDS": "60",
    "HELPDESK_BADGES_INTERVAL_SECONDS": "3600",
    "HELPDESK_ROLLUPS_INTERVAL_SECONDS": "60",
    "HELPDESK_ROUTING_INTERVAL_SECONDS": "10",
    "HELPDESK_AUTO_IDLE_SECONDS": "300",
    "HELPDESK_MENTIONS_WINDOW": "800",
    "HELPDESK_TRUSTED_PROXIES": "0",
    "HELPDESK_SESSION_IDLE_MINUTES": "30",
    "HELPDESK_SESSION_MAX_HOURS": "12",
}


# PostgreSQL plans a query over parallel workers when it thinks that pays; on the desk's small
# aggregates (a report's edges, a few thousand roll-up rows) starting the workers took ~4 of
# 8 ms, on a machine whose cores serve other requests meanwhile. Ten times the default set-up
# cost keeps parallel plans for big scans only (issue 16; benchmarks/README.md).
PARALLEL_SETUP_COST = 10_000


def engine_options(database_url: str) -> dict[str, object]:
    """Engine options per backend: SQLite waits for the write lock instead of failing;
    PostgreSQL starts parallel workers only for big scans (PARALLEL_SETUP_COST), keeping any
    `options` the URL gives."""
    if database_url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    given = sa.make_url(database_url).query.get("options") or ""
    if isinstance(given, tuple):
        given = " ".join(given)
    options = f"{given} -c parallel_setup_cost={PARALLEL_SETUP_COST}".strip()
    return {"pool_pre_ping": True, "connect_args": {"options": options}}


def _positive_int(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number of seconds, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be greater than 0, got {value}")
    return value


def _positive_float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not value > 0:
        raise ConfigError(f"{name} must be greater than 0, got {raw}")
    return value


def _proxy_count(raw: str) -> int:
    if not raw.isdigit() or int(raw) > 5:
        raise ConfigError(f"HELPDESK_TRUSTED_PROXIES must be a number from 0 to 5, got {raw!r}")
    return int(raw)


def _database_url(raw: str) -> str:
    scheme = urlsplit(raw).scheme
    if scheme == "postgres" or scheme == "postgresql" or scheme == "postgresql+psycopg2":
        # One driver everywhere: psycopg 3.
        return "postgresql+psycopg" + raw[len(scheme) :]
    if scheme in ("sqlite", "postgresql+psycopg"):
        return raw
    raise ConfigError(
        f"DATABASE_URL must start with sqlite:/// or postgresql://, got {scheme or raw!r}"
    )


def _url(name: str, raw: str, schemes: tuple[str, ...]) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not (parts.netloc or parts.path):
        # Only the scheme is repeated: the URL may carry a password.
        shown = f"{parts.scheme}://..." if parts.scheme else "something else"
        raise ConfigError(f"{name} must be a {' or '.join(schemes)} URL, got {shown}")
    return raw.rstrip("/")


def _secret_key(instance: Path, raw: str | None) -> str:
    """SECRET_KEY from the environment, else one kept in the instance folder."""
    if raw:
        if len(raw) < 16:
            raise ConfigError("SECRET_KEY must be at least 16 characters long")
        return raw
    key_file = instance / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


# Settings that, when unset, are kept in the instance folder (a key file, a SQLite file,
# an embedded Redis); with all three set a process needs no instance folder at all.
KEPT_IN_INSTANCE = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL")


def instance_folder(environ: Mapping[str, str] | None = None) -> Path:
    """The instance folder, found as every process finds it: HELPDESK_INSTANCE, else ./instance."""
    raw = (environ or os.environ).get("HELPDESK_INSTANCE") or DEFAULTS["HELPDESK_INSTANCE"]
    return Path(raw).resolve()


def needs_instance(environ: Mapping[str, str] | None = None) -> bool:
    """Whether some setting would be read from (or made in) the instance folder."""
    env = environ or os.environ
    return not all(env.get(name) for name in KEPT_IN_INSTANCE)


@dataclass(frozen=True)
class Intervals:
    """How often `rq cron` enqueues each periodic job, in seconds."""

    ingest: int
    outbox_sweep: int
    sla_sweep: int
    badges: int
    rollups: int
    routing: int
    dm_ingest: int


def load_intervals(environ: Mapping[str, str] | None = None) -> Intervals:
    """Read and validate the scheduler's intervals alone: `rq cron` needs no database, key or
    instance folder. Raises ConfigError naming the first bad one."""
    env = _with_defaults(environ)
    return Intervals(
        *(
            _positive_int(name, env[name])
            for name in (
                "HELPDESK_INGEST_INTERVAL_SECONDS",
                "HELPDESK_OUTBOX_SWEEP_SECONDS",
                "HELPDESK_SLA_SWEEP_SECONDS",
                "HELPDESK_BADGES_INTERVAL_SECONDS",
                "HELPDESK_ROLLUPS_INTERVAL_SECONDS",
                "HELPDESK_ROUTING_INTERVAL_SECONDS",
                "HELPDESK_DM_INGEST_INTERVAL_SECONDS",
            )
        )
    )


def _with_defaults(environ: Mapping[str, str] | None) -> dict[str, str]:
    """The environment over the defaults; an empty variable counts as unset."""
    return {**DEFAULTS, **{k: v for k, v in (environ or os.environ).items() if v != ""}}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate every setting; raises ConfigError naming the first bad one."""
    env = _with_defaults(environ)
    intervals = load_intervals(environ)
    instance = instance_folder(environ)
    if instance.exists() and not instance.is_dir():
        raise ConfigError(f"HELPDESK_INSTANCE must be a folder, {instance} is a file")
    database_url = _database_url(
        env.get("DATABASE_URL") or f"sqlite:///{instance / 'helpdesk.sqlite3'}"
    )
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    redis_url = env.get("REDIS_URL")
    if redis_url:
        _url("REDIS_URL", redis_url, ("redis", "rediss", "unix"))
    base_url = env.get("X_API_BASE_URL")
    if base_url:
        base_url = _url("X_API_BASE_URL", base_url, ("http", "https"))
    tz = env["HELPDESK_TIMEZONE"]
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"HELPDESK_TIMEZONE {tz!r} is not a known time zone") from None
    try:
        signature = validate_signature_format(env["HELPDESK_SIGNATURE"])
    except ValueError as exc:
        raise ConfigError(f"HELPDESK_SIGNATURE: {exc}") from None
    return Settings(
        instance_path=instance,
        database_url=database_url,
        redis_url=redis_url,
        secret_key=_secret_key(instance, env.get("SECRET_KEY")),
        x_api_base_url=base_url,
        x_bearer_token=env.get("X_BEARER_TOKEN"),
        x_consumer_key=env.get("X_CONSUMER_KEY"),
        x_consumer_secret=env.get("X_CONSUMER_SECRET"),
        x_access_token=env.get("X_ACCESS_TOKEN"),
        x_access_token_secret=env.get("X_ACCESS_TOKEN_SECRET"),
        x_timeout_seconds=_positive_float(
            "HELPDESK_X_TIMEOUT_SECONDS", env["HELPDESK_X_TIMEOUT_SECONDS"]
        ),
        ingest_interval_seconds=intervals.ingest,
        dm_ingest_interval_seconds=intervals.dm_ingest,
        sla_normal_seconds=_positive_int(
            "HELPDESK_SLA_NORMAL_SECONDS", env["HELPDESK_SLA_NORMAL_SECONDS"]
        ),
        sla_high_seconds=_positive_int(
            "HELPDESK_SLA_HIGH_SECONDS", env["HELPDESK_SLA_HIGH_SECONDS"]
        ),
        claim_ttl_seconds=_positive_int(
            "HELPDESK_CLAIM_TTL_SECONDS", env["HELPDESK_CLAIM_TTL_SECONDS"]
        ),
        signature_format=signature,
        timezone=tz,
        post_max_attempts=_positive_int(
            "HELPDESK_POST_MAX_ATTEMPTS", env["HELPDESK_POST_MAX_ATTEMPTS"]
        ),
        posting_grace_seconds=_positive_int(
            "HELPDESK_POSTING_GRACE_SECONDS", env["HELPDESK_POSTING_GRACE_SECONDS"]
        ),
        outbox_sweep_seconds=intervals.outbox_sweep,
        outbox_requeue_seconds=_positive_int(
            "HELPDESK_OUTBOX_REQUEUE_SECONDS", env["HELPDESK_OUTBOX_REQUEUE_SECONDS"]
        ),
        sla_sweep_seconds=intervals.sla_sweep,
        badges_interval_seconds=intervals.badges,
        rollups_interval_seconds=intervals.rollups,
        routing_interval_seconds=intervals.routing,
        auto_idle_seconds=_positive_int(
            "HELPDESK_AUTO_IDLE_SECONDS", env["HELPDESK_AUTO_IDLE_SECONDS"]
        ),
        mentions_window=_positive_int("HELPDESK_MENTIONS_WINDOW", env["HELPDESK_MENTIONS_WINDOW"]),
        trusted_proxies=_proxy_count(env["HELPDESK_TRUSTED_PROXIES"]),
        session_idle_minutes=_positive_int(
            "HELPDESK_SESSION_IDLE_MINUTES", env["HELPDESK_SESSION_IDLE_MINUTES"]
        ),
        session_max_hours=_positive_int(
            "HELPDESK_SESSION_MAX_HOURS", env["HELPDESK_SESSION_MAX_HOURS"]
        ),
    )


def setting_names() -> list[str]:
    """Every environment variable the helpdesk reads, for the README and --help."""
    return [f.metadata["env"] for f in fields(Settings)]
