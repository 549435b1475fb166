"""The `helpdesk` command: employee and token creation, ingest --once, clear errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from helpdesk.cli import main
from helpdesk.extensions import db
from helpdesk.models import Employee, Mention


@pytest.fixture
def runner(app, environ, monkeypatch) -> CliRunner:
    """A CLI runner whose commands build the app from the test environment."""
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    db.session.rollback()
    return CliRunner()


def test_employee_create_with_password(runner):
    """`employee create` adds an employee who can then log in."""
    from helpdesk.services.employees import authenticate

    result = runner.invoke(
        main,
        [
            "employee",
            "create",
            "--number",
            "0427",
            "--name",
            "Sato",
            "--role",
            "agent",
            "--password",
            "long enough pw",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "0427" in result.output
    assert authenticate("0427", "long enough pw") is not None


def test_employee_create_prompts_for_the_password(runner):
    """Without --password the command prompts twice (hidden) and uses the answer."""
    from helpdesk.services.employees import authenticate

    result = runner.invoke(
        main,
        ["employee", "create", "--number", "0428", "--name", "Ito", "--role", "trainee"],
        input="prompted secret\nprompted secret\n",
    )
    assert result.exit_code == 0, result.output
    assert authenticate("0428", "prompted secret").role.value == "trainee"


def test_a_taken_number_is_a_one_line_error(runner, make_employee):
    """Employee numbers are never reused: a second create fails with a clear message."""
    make_employee("0427")
    result = runner.invoke(
        main,
        [
            "employee",
            "create",
            "--number",
            "0427",
            "--name",
            "X",
            "--role",
            "agent",
            "--password",
            "long enough pw",
        ],
    )
    assert result.exit_code == 1
    assert "0427 is already taken" in result.output and "Traceback" not in result.output


def test_a_malformed_number_is_refused(runner):
    """A number that is not 4-6 digits is refused before anything is stored."""
    result = runner.invoke(
        main,
        [
            "employee",
            "create",
            "--number",
            "42x",
            "--name",
            "X",
            "--role",
            "agent",
            "--password",
            "long enough pw",
        ],
    )
    assert result.exit_code == 1 and "4 to 6 digits" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Employee)) == 0


def test_token_create_prints_the_token_alone_on_the_last_line(runner, make_employee, client):
    """`token create` prints a token that the API accepts, alone on its last line."""
    make_employee("0427")
    result = runner.invoke(main, ["token", "create", "--employee", "0427"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    response = client.get("/api/v1/mentions", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_token_for_an_unknown_employee_is_an_error(runner):
    """An unknown employee number is a clear error, not a traceback."""
    result = runner.invoke(main, ["token", "create", "--employee", "9999"])
    assert result.exit_code == 1 and "no employee 9999" in result.output


def test_ingest_once_runs_a_full_pass(runner, x):
    """`ingest --once` ingests synchronously and reports what it did."""
    x.mention("hello from the CLI")
    result = runner.invoke(main, ["ingest", "--once"])
    assert result.exit_code == 0, result.output
    assert "ok: 1 page(s), 1 fetched, 1 new" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mention)) == 1


def test_a_bad_setting_is_one_line_not_a_traceback(runner, monkeypatch):
    """A malformed environment variable stops the command with its name."""
    monkeypatch.setenv("HELPDESK_CLAIM_TTL_SECONDS", "-1")
    result = runner.invoke(main, ["ingest", "--once"])
    assert result.exit_code == 1
    assert "HELPDESK_CLAIM_TTL_SECONDS must be greater than 0" in result.output
    assert "Traceback" not in result.output


def test_employee_list_prints_everyone_in_number_order(runner, make_employee):
    """`employee list` prints number, role, state, language and name, suspended ones too."""
    from helpdesk.services.employees import set_active

    make_employee("10000", role="trainee")
    set_active(make_employee("0427", name="Sato"), False)
    make_employee("0001", role="admin")
    result = runner.invoke(main, ["employee", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["0001", "0427", "10000"]
    assert lines[1] == "0427\tagent\tsuspended\t-\tSato"


def test_employee_suspend_and_reinstate(runner, make_employee):
    """`suspend` ends the employee's sign-in and `reinstate` restores it; repeats say so."""
    from helpdesk.services.employees import authenticate
    from tests.support.app import PASSWORD

    make_employee("0427")
    suspended = runner.invoke(main, ["employee", "suspend", "--number", "0427"])
    assert suspended.exit_code == 0 and "suspended 0427" in suspended.output
    assert authenticate("0427", PASSWORD) is None
    db.session.rollback()  # end the test's transaction (on SQLite it holds the write lock)
    again = runner.invoke(main, ["employee", "suspend", "--number", "0427"])
    assert again.exit_code == 0 and "already suspended" in again.output
    reinstated = runner.invoke(main, ["employee", "reinstate", "--number", "0427"])
    assert reinstated.exit_code == 0 and "reinstated 0427" in reinstated.output
    assert authenticate("0427", PASSWORD) is not None


def test_employee_set_role_certifies_and_is_audited(runner, make_employee):
    """`set-role` changes the role, ends the sessions and records who (the system) did it."""
    from helpdesk.models import AuditEvent

    trainee = make_employee("0201", role="trainee")
    version = trainee.session_version
    db.session.rollback()  # end the test's transaction (on SQLite it holds the write lock)
    result = runner.invoke(main, ["employee", "set-role", "--number", "0201", "--role", "agent"])
    assert result.exit_code == 0 and "0201 is now agent" in result.output
    db.session.expire_all()
    stored = db.session.scalar(sa.select(Employee).where(Employee.number == "0201"))
    assert stored.role.value == "agent" and stored.session_version == version + 1
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "employee.role_changed")
    )
    assert event.actor_number is None and event.subject_id == "0201"


def test_the_cli_never_removes_the_last_active_admin(runner, make_employee):
    """Demoting or suspending the only active admin is a one-line error and changes nothing."""
    make_employee("0001", role="admin")
    for args in (
        ["set-role", "--number", "0001", "--role", "agent"],
        ["suspend", "--number", "0001"],
    ):
        result = runner.invoke(main, ["employee", *args])
        assert result.exit_code == 1
        assert "last active admin" in result.output and "Traceback" not in result.output
    db.session.expire_all()
    stored = db.session.scalar(sa.select(Employee).where(Employee.number == "0001"))
    assert stored.role.value == "admin" and stored.active


def test_employee_commands_name_an_unknown_number(runner):
    """An unknown number is a one-line error for every employee command."""
    for args in (["suspend"], ["reinstate"], ["set-role", "--role", "agent"]):
        result = runner.invoke(main, ["employee", *args, "--number", "9999"])
        assert result.exit_code == 1 and "no employee 9999" in result.output


def _helpdesk(args: list[str], env: dict[str, str], cwd: str) -> subprocess.CompletedProcess:
    """Run `helpdesk ARGS` in a fresh interpreter (logging and imports as a user sees them)."""
    code = "import sys; from helpdesk.cli import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_command_from_another_folder_refuses_without_making_an_instance(
    runner, monkeypatch, tmp_path
):
    """Run away from the instance, `coverage verify` says where it looked and makes nothing."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HELPDESK_INSTANCE")
    monkeypatch.delenv("SECRET_KEY")
    (tmp_path / "proof.csv").write_text("kind,coverage-proof\n")
    (tmp_path / "proof.csv.sig").write_text("ab" * 32 + "\n")
    result = runner.invoke(main, ["coverage", "verify", "proof.csv"])
    assert result.exit_code != 0
    looked = (tmp_path / "instance").resolve()
    assert f"no instance here (looked in {looked})" in result.output
    assert "does not match" not in result.output
    assert not looked.exists()


def test_a_missing_helpdesk_instance_is_refused_not_created(runner, monkeypatch, tmp_path):
    """HELPDESK_INSTANCE naming a folder that does not exist is an error for `employee list`."""
    missing = tmp_path / "nowhere"
    monkeypatch.setenv("HELPDESK_INSTANCE", str(missing))
    monkeypatch.delenv("SECRET_KEY")
    result = runner.invoke(main, ["employee", "list"])
    assert result.exit_code == 1
    assert f"no instance here (looked in {missing.resolve()})" in result.output
    assert "Traceback" not in result.output
    assert not missing.exists()


def test_db_upgrade_makes_the_instance_and_no_alembic_plugin_lines(environ, tmp_path):
    """`db upgrade` may make a new instance; no command prints alembic's plugin set-up lines."""
    instance = tmp_path / "fresh"
    env = {**os.environ, **environ, "HELPDESK_INSTANCE": str(instance)}
    for name in ("DATABASE_URL", "SECRET_KEY"):
        env.pop(name)
    upgraded = _helpdesk(["db", "upgrade"], env, str(tmp_path))
    assert upgraded.returncode == 0, upgraded.stderr
    assert "database is up to date" in upgraded.stdout
    assert (instance / "secret_key").is_file() and (instance / "helpdesk.sqlite3").is_file()
    listed = _helpdesk(["employee", "list"], env, str(tmp_path))
    assert listed.returncode == 0, listed.stderr
    for output in (upgraded, listed):
        assert "alembic.runtime.plugins" not in output.stdout + output.stderr


def _sandbox_control_routes() -> list[tuple[str, str]]:
    """Every (method, path) of the sandbox's url map under /_sandbox/."""
    from helpdesk.x.sandbox.app import create_sandbox_app

    routes = [
        (method, rule.rule)
        for rule in create_sandbox_app().url_map.iter_rules()
        if rule.rule.startswith("/_sandbox/")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]
    assert len(routes) >= 12  # the map was read, not an empty list vacuously passing
    return routes


def test_sandbox_help_lists_every_control_route():
    """`helpdesk sandbox --help` names each /_sandbox/ method and path of the url map."""
    result = CliRunner().invoke(main, ["sandbox", "--help"])
    assert result.exit_code == 0, result.output
    for method, path in _sandbox_control_routes():
        line = rf"^\s+{method}\s+{re.escape(path)}(\s|$)"
        assert re.search(line, result.output, re.MULTILINE), f"{method} {path} not in the help"


def test_readme_documents_the_sandbox_routes_and_the_api_health_path(app):
    """The README lists every /_sandbox/ route and the health check at its real path."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for method, path in _sandbox_control_routes():
        assert f"`{method} {path}" in readme, f"{method} {path} not in the README"
    paths = {rule.rule for rule in app.url_map.iter_rules()}
    assert "/api/v1/health" in paths and "/health" not in paths
    assert "`GET /api/v1/health`" in readme and "`GET /health`" not in readme
