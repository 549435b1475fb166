"""Settings: defaults, validation with one-line messages, secrets kept out of repr."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from helpdesk.config import ConfigError, load_intervals, load_settings, setting_names


def env(tmp_path, **values: str) -> dict[str, str]:
    return {"HELPDESK_INSTANCE": str(tmp_path / "inst"), **values}


def test_defaults_are_sane(tmp_path):
    """With nothing set: SQLite in the instance folder, embedded Redis, the documented values."""
    settings = load_settings(env(tmp_path))
    assert settings.database_url == f"sqlite:///{tmp_path / 'inst' / 'helpdesk.sqlite3'}"
    assert settings.redis_url is None
    assert settings.ingest_interval_seconds == 15
    assert (settings.sla_normal_seconds, settings.sla_high_seconds) == (3600, 900)
    assert settings.claim_ttl_seconds == 600
    assert settings.signature_format == " ^{number}"
    assert settings.timezone == "Asia/Tokyo"


def test_secret_key_is_generated_once_and_kept(tmp_path):
    """Without SECRET_KEY a key is made in the instance folder and reused on the next start."""
    first = load_settings(env(tmp_path)).secret_key
    assert len(first) >= 32
    assert load_settings(env(tmp_path)).secret_key == first


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DATABASE_URL", "mysql://x", "DATABASE_URL must start with"),
        ("HELPDESK_INGEST_INTERVAL_SECONDS", "-5", "must be greater than 0"),
        ("HELPDESK_INGEST_INTERVAL_SECONDS", "soon", "whole number"),
        ("HELPDESK_TIMEZONE", "Mars/Olympus", "not a known time zone"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL must be"),
        ("X_API_BASE_URL", "ftp://x", "X_API_BASE_URL must be"),
        ("SECRET_KEY", "short", "at least 16"),
        ("HELPDESK_SIGNATURE", "^{name}", "HELPDESK_SIGNATURE"),
        ("HELPDESK_X_TIMEOUT_SECONDS", "0", "greater than 0"),
        ("HELPDESK_SLA_SWEEP_SECONDS", "0", "HELPDESK_SLA_SWEEP_SECONDS must be greater than 0"),
        ("HELPDESK_BADGES_INTERVAL_SECONDS", "hourly", "HELPDESK_BADGES_INTERVAL_SECONDS must"),
        ("HELPDESK_OUTBOX_SWEEP_SECONDS", "1.5", "HELPDESK_OUTBOX_SWEEP_SECONDS must"),
    ],
)
def test_bad_settings_name_the_setting(tmp_path, name, value, expected):
    """Each malformed setting is a ConfigError whose one line names it."""
    with pytest.raises(ConfigError) as caught:
        load_settings(env(tmp_path, **{name: value}))
    message = str(caught.value)
    assert expected in message and "\n" not in message


def test_postgres_urls_use_psycopg3(tmp_path):
    """postgres:// and postgresql:// both run on the psycopg (v3) driver."""
    settings = load_settings(env(tmp_path, DATABASE_URL="postgres://u@h/db"))
    assert settings.database_url == "postgresql+psycopg://u@h/db"


def test_secrets_stay_out_of_repr(tmp_path):
    """Tokens and keys never appear when settings are printed or logged."""
    settings = load_settings(
        env(tmp_path, X_BEARER_TOKEN="sekrit-bearer", SECRET_KEY="0123456789abcdefXYZ")
    )
    assert "sekrit-bearer" not in repr(settings) and "0123456789abcdefXYZ" not in repr(settings)


def test_every_setting_is_in_the_readme():
    """The README's settings table lists every environment variable the app reads."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    missing = [name for name in setting_names() if f"`{name}`" not in readme]
    assert missing == []


@pytest.mark.parametrize("name", ["REDIS_URL", "X_API_BASE_URL"])
def test_a_refused_url_is_not_repeated_with_its_password(tmp_path, name):
    """The error names the setting and the wrong scheme, never the password in the URL."""
    with pytest.raises(ConfigError) as refused:
        load_settings({"HELPDESK_INSTANCE": str(tmp_path), name: "ftp://u:sekrit-pw@h:1/0"})
    assert name in str(refused.value) and "ftp://" in str(refused.value)
    assert "sekrit-pw" not in str(refused.value)


def _cron_env(**values: str) -> dict[str, str]:
    """The test's environment without any helpdesk setting, plus `values`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    return {**clean, **values}


def test_the_schedule_follows_the_interval_settings():
    """`rq cron` takes every interval from the settings (sweeps, badges, roll-ups, routing; the
    roll-up of X's costs runs with the reports' roll-ups)."""
    assert load_intervals({}) == load_intervals({"HELPDESK_SLA_SWEEP_SECONDS": "60"})
    script = "from workers import cron; print([row[2] for row in cron.SCHEDULE])"
    env = _cron_env(
        HELPDESK_INGEST_INTERVAL_SECONDS="7",
        HELPDESK_OUTBOX_SWEEP_SECONDS="11",
        HELPDESK_SLA_SWEEP_SECONDS="13",
        HELPDESK_BADGES_INTERVAL_SECONDS="17",
        HELPDESK_ROLLUPS_INTERVAL_SECONDS="19",
        HELPDESK_ROUTING_INTERVAL_SECONDS="23",
        HELPDESK_DM_INGEST_INTERVAL_SECONDS="29",
    )
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    # Listening's and X's costs' roll-ups are refreshed as often as coverage's (one setting).
    assert done.stdout.split("\n")[-2] == "[7, 11, 13, 17, 19, 23, 19, 19, 29]"


def test_a_bad_interval_stops_rq_cron_with_one_line(tmp_path):
    """`rq cron workers/cron.py` with a bad interval exits 2 with one line naming the setting."""
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "rq.cli", "cron", "--url", "redis://127.0.0.1:1/0"]
        + ["workers.cron"],
        env=_cron_env(HELPDESK_SLA_SWEEP_SECONDS="0"),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "helpdesk cron: HELPDESK_SLA_SWEEP_SECONDS must be greater than 0, got 0"
    )


def test_postgresql_starts_parallel_workers_only_for_big_scans():
    """PostgreSQL connections carry a tenfold parallel set-up cost (the desk's small
    aggregates ran faster alone), added to any options the URL gives; SQLite has none."""
    from helpdesk.config import PARALLEL_SETUP_COST, engine_options

    plain = engine_options("postgresql://desk@db/helpdesk")["connect_args"]["options"]
    assert plain == f"-c parallel_setup_cost={PARALLEL_SETUP_COST}"
    kept = engine_options("postgresql://desk@db/helpdesk?options=-csearch_path%3Ddesk")
    assert kept["connect_args"]["options"].split(" ") == [
        "-csearch_path=desk",
        "-c",
        f"parallel_setup_cost={PARALLEL_SETUP_COST}",
    ]
    assert "options" not in engine_options("sqlite:////tmp/desk.db")["connect_args"]
