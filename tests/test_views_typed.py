"""Every view and error handler says what it returns, and no `type: ignore` hides one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.backend_free  # no database, no Redis: one CI pass runs it

ROOT = Path(__file__).resolve().parents[1]
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete", "errorhandler"}


def _views(tree: ast.AST) -> list[ast.FunctionDef]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(target, ast.Attribute) and target.attr in ROUTE_DECORATORS:
                found.append(node)
                break
    return found


def _sources() -> list[Path]:
    return sorted(
        p for p in (ROOT / "helpdesk").rglob("*.py") if "sandbox" not in p.parts
    ) + sorted((ROOT / "workers").rglob("*.py"))


def test_every_view_declares_its_return_type() -> None:
    """A route or error handler without `-> ...` is named with its file and line."""
    unannotated = [
        f"{path.relative_to(ROOT)}:{view.lineno} {view.name}"
        for path in _sources()
        for view in _views(ast.parse(path.read_text(encoding="utf-8")))
        if view.returns is None
    ]
    assert not unannotated


def test_the_checker_finds_an_unannotated_view() -> None:
    """The walk above sees a decorated view without a return type (and one with)."""
    tree = ast.parse(
        "@bp.get('/a')\ndef a(): ...\n@bp.route('/b')\ndef b() -> str: ...\n"
        "@app.errorhandler(404)\ndef c(exc): ...\n"
    )
    assert [v.name for v in _views(tree) if v.returns is None] == ["a", "c"]


def test_no_type_ignore_comments() -> None:
    """No type checker runs on the code, so no comment silences one."""
    ignores = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _sources()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "type: ignore" in line
    ]
    assert not ignores
