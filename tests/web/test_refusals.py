"""The refusal catalogue: every code a service or the API raises has its own sentence in ja."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_login import login_user

from helpdesk.web import refusals

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "helpdesk"
ERRORS = {"ServiceError", "InvalidInput", "NotFound", "Unauthorized", "Forbidden", "Conflict"}
ERRORS |= {"Unprocessable"}
# Codes built from a variable, by the one helper that builds them (clean_reason's `what`).
DYNAMIC = {f"{{what}}_{end}": ("reason", "note") for end in ("required", "too_long", "invalid")}


def _modules() -> list[Path]:
    # The sandbox plays X and answers in X's own words; it is not the desk.
    return [p for p in PACKAGE.rglob("*.py") if "sandbox" not in p.parts]


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _text(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _pattern(node: ast.JoinedStr) -> str:
    return "".join(
        _text(part) or "{" + ast.unparse(part.value) + "}"
        for part in node.values
        if isinstance(part, ast.Constant | ast.FormattedValue)
    )


def _call_codes(node: ast.Call) -> set[tuple[str | None, str | None]]:
    name, keywords = _name(node.func), {k.arg: k.value for k in node.keywords}
    subject = _text(keywords.get("subject"))
    if name in ERRORS and isinstance(keywords.get("code"), ast.JoinedStr):
        pattern = _pattern(keywords["code"])
        return {(pattern.format(what=what), subject) for what in DYNAMIC[pattern]}
    if name in ERRORS and "code" in keywords:
        return {(_text(keywords["code"]), subject)}
    if name in ERRORS:  # the class's own code, narrowed by the subject
        return {("not_found" if name == "NotFound" else "invalid_request", subject)}
    if name == "ApiError" and len(node.args) >= 2:
        return {(_text(node.args[1]), None)}
    if name == "_parse" and node.args:  # rules' enum parser takes the code last
        return {(_text(node.args[-1]), "rules")}
    if name == "error_body" and node.args:
        return {(_text(node.args[0]), None)}
    return set()


def raised_codes() -> set[tuple[str, str | None]]:
    """(code, subject) of every refusal the code can raise, found in its syntax tree."""
    found: set[tuple[str | None, str | None]] = set()
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                found |= _call_codes(node)
            elif isinstance(node, ast.ClassDef) and node.name in ERRORS:
                found |= {
                    (_text(stmt.value), None)
                    for stmt in node.body
                    if isinstance(stmt, ast.Assign) and _name(stmt.targets[0]) == "code"
                }
            elif isinstance(node, ast.Assign) and _name(node.targets[0]) == "_CODES":
                found |= {(_text(value), None) for value in node.value.values}  # HTTP errors
    return {(code, subject) for code, subject in found if code}


def test_the_walk_finds_the_codes_it_should():
    """The syntax walk sees plain, dynamic, positional and API codes (else it proves nothing)."""
    codes = {code for code, _subject in raised_codes()}
    assert {"already_claimed", "note_required", "invalid_kind", "session_expired"} <= codes
    assert {"csrf_failed", "not_found", "invalid_request", "number_taken"} <= codes
    assert len(codes) >= 60


@pytest.mark.parametrize("code,subject", sorted(raised_codes(), key=str))
def test_every_raised_code_has_a_japanese_sentence(app, code, subject):
    """Each code services and the API raise reads differently in ja than in en: translated."""
    assert refusals.known(code, subject) or refusals.known(code), f"{code} is not in the catalogue"
    with app.test_request_context("/"):
        with force_locale("en"):
            english = refusals.explain(code, subject)
        with force_locale("ja"):
            japanese = refusals.explain(code, subject)
    assert japanese and japanese != english, f"{code}: {japanese!r}"


@pytest.mark.parametrize("key", sorted(refusals.CATALOGUE))
def test_every_catalogue_sentence_is_translated(app, key):
    """No entry of the catalogue, variants included, falls back to English in ja."""
    with app.test_request_context("/"):
        with force_locale("en"):
            english = refusals.CATALOGUE[key]({})
        with force_locale("ja"):
            japanese = refusals.CATALOGUE[key]({})
    assert japanese != english


def test_no_view_reads_a_refusals_message_text():
    """Views choose by code: no comparison anywhere in the web layers touches `.message`."""
    readers = []
    for folder in ("inbox", "supervise", "account", "auth", "api", "web"):
        for path in (PACKAGE / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Compare):
                    sides = [node.left, *node.comparators]
                    if any(isinstance(s, ast.Attribute) and s.attr == "message" for s in sides):
                        readers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not readers


def test_a_code_nobody_catalogued_reads_as_a_refusal_in_the_readers_language(app):
    """An unknown code is never shown as the service's English sentence."""
    with app.test_request_context("/"), force_locale("ja"):
        assert refusals.explain("no_such_code") == refusals.explain("invalid_request")


@pytest.mark.parametrize(
    "role,sentence",
    [
        ("trainee", "Your role does not allow this; ask a supervisor."),
        ("supervisor", "Your role does not allow this."),
    ],
)
def test_forbidden_sends_only_those_below_a_supervisor_to_one(app, make_employee, role, sentence):
    """A supervisor refused an admin's action is not told to ask a supervisor."""
    employee = make_employee("0301", role=role)
    with app.test_request_context("/"), force_locale("en"):
        login_user(employee)
        assert refusals.explain("forbidden") == sentence
