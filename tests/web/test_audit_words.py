"""The audit log page in words: translated action names, details as lines, raw JSON kept."""

from __future__ import annotations

import ast
import html
import json
import re
from pathlib import Path

from flask_babel import force_locale

from helpdesk.extensions import db
from helpdesk.models import Employee
from helpdesk.services import audit
from helpdesk.web.audit_words import ACTIONS, KEYS, action_label, detail_lines

SERVICES = Path(__file__).resolve().parents[2] / "helpdesk" / "services"
ACTION = re.compile(r"[a-z]+\.[a-z_]+")


def recorded() -> tuple[set[str], set[str]]:
    """The action codes and detail keys the services record, read from their syntax tree."""
    actions, keys = set(), set()
    for path in SERVICES.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "record":
                keys |= {k.arg for k in node.keywords if k.arg and k.arg != "actor"}
            if isinstance(node, ast.Call) and node.args:
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                first = node.args[0]
                if name in ("record", "_recorded") and isinstance(first, ast.Constant):
                    actions.add(first.value)
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "action":
                actions |= {
                    c.value
                    for c in ast.walk(node.value)
                    if isinstance(c, ast.Constant) and ACTION.fullmatch(str(c.value))
                }
    return actions, keys


def test_every_recorded_action_and_detail_has_a_japanese_name(app):
    """Each action code and detail key the services record reads differently in ja than in en."""
    actions, keys = recorded()
    assert {"reply.posted", "employee.suspended", "rule.enabled"} <= actions
    assert {"reason", "note", "x_tweet_id", "mention_id"} <= keys
    assert not actions - set(ACTIONS), "name these actions in web/audit_words.py"
    assert not keys - set(KEYS), "name these detail keys in web/audit_words.py"
    with app.test_request_context("/"):
        for words in (ACTIONS, KEYS):
            for code, word in words.items():
                with force_locale("en"):
                    english = str(word)
                with force_locale("ja"):
                    assert str(word) != english, code


def test_details_read_as_translated_lines(app):
    """Keys, codes among the values, booleans and nested before/after become words."""
    details = json.dumps(
        {"before": "agent", "after": "supervisor", "warnings_confirmed": True, "status": "queued"}
    )
    with app.test_request_context("/"), force_locale("ja"):
        assert action_label("reply.posted") == "返信を投稿"
        assert action_label("presence.changed") == "presence.changed"  # not named yet: the code
        lines = dict(detail_lines(details, "employee.role_changed"))
        assert lines["変更前"] == "エージェント" and lines["警告を確認済み"] == "はい"
        nested = detail_lines(json.dumps({"after": {"title": "T", "severity": "warn"}}))
        assert nested == [("変更後", "タイトル: T, 重大度: 警告")]
        assert detail_lines("not json") == [] and detail_lines("[1, 2]") == []


def test_the_audit_page_shows_words_and_keeps_the_raw_json(client, login, make_employee):
    """A ja supervisor reads the action's name and the reason's label, the JSON folded beneath."""
    make_employee("0900", role="supervisor")
    agent = db.session.get(Employee, make_employee("0427").id)
    reason = '<b>spam</b> "again"'
    audit.record("mention.dismissed", "mention", 7, actor=agent, reason=reason)
    db.session.commit()
    login("0900")
    page = client.get("/supervise/audit", headers={"Accept-Language": "ja"})
    assert page.status_code == 200
    assert "メンションを対応不要で完了" in page.text and "<dt>理由</dt>" in page.text
    assert "<b>spam</b>" not in page.text and "&lt;b&gt;spam&lt;/b&gt;" in page.text
    raw = re.search(r'<details class="audit-raw">.*?<code>(.*?)</code>', page.text, re.S)
    assert raw and json.loads(html.unescape(raw.group(1))) == {"reason": reason}
