"""The OpenAPI document: served, valid, and never missing a route or a serialized field."""

from __future__ import annotations

import inspect
import json
import re

import jsonschema

from helpdesk.api import serializers
from helpdesk.api.contract import OPERATIONS
from helpdesk.api.openapi import api_routes, document, undocumented
from helpdesk.models import ApiToken, CannedReply, Employee, Escalation, Mention, Reply
from helpdesk.services import coverage, listening, replies, rules
from tests.support.seeded_desk import seed_desk

# Each serializer of helpdesk/api/serializers.py, and what else the API emits, by schema.
SERIALIZED = {
    "mention_json": "Mention",
    "mentions_json": None,  # a list of Mention: checked below
    "suggestion_json": "TagSuggestion",
    "reply_json": "Reply",
    "escalation_json": "Escalation",
    "canned_json": "CannedReply",
    "note_json": "Note",
    "price_json": "Price",
    "token_json": "Token",
    "employee_json": "Employee",
    "coverage_json": None,  # a pass-through: checked below as Coverage and Listening
}


def _validator(doc: dict, name: str) -> jsonschema.Draft202012Validator:
    """A validator for one component schema, resolving $refs within the document."""
    root = {**doc, "$ref": f"#/components/schemas/{name}"}
    return jsonschema.Draft202012Validator(root)


def _check(doc: dict, name: str, value: object) -> None:
    schema = doc["components"]["schemas"][name]
    if isinstance(value, dict) and "properties" in schema:
        missing = sorted(set(value) - set(schema["properties"]))
        assert not missing, f"{name} lacks fields the API emits: {missing}"
    errors = [e.message for e in _validator(doc, name).iter_errors(value)]
    assert not errors, f"{name}: {errors}"


def test_the_document_is_served_without_a_token(client, app):
    """GET /api/v1/openapi.json answers the document, OpenAPI 3.1, with bearer security."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"] == "3.1.0"
    assert doc["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert doc["paths"]["/mentions"]["get"]["security"] == [{"bearer": []}]
    assert doc["paths"]["/health"]["get"]["security"] == []
    for schema in doc["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)
    for target in set(re.findall(r'"\$ref": "#/components/schemas/([A-Za-z]+)"', json.dumps(doc))):
        assert target in doc["components"]["schemas"], f"dangling $ref to {target}"


def test_every_api_route_is_in_the_document(app):
    """A route Flask serves under /api/v1 without an entry in the contract fails here."""
    assert undocumented(app) == []
    routed = {(method, path) for method, path, _ in api_routes(app)}
    assert sorted(set(OPERATIONS) - routed) == [], "the contract describes routes that are gone"
    paths = document(app)["paths"]
    assert sum(len(methods) for methods in paths.values()) == len(routed)


def test_a_route_added_without_a_contract_entry_is_named(app):
    """The check is real: an extra route on a copy of the app shows up as undocumented."""
    from flask import Flask

    copy = Flask("copy")
    copy.url_map.converters.update(app.url_map.converters)
    for rule in app.url_map.iter_rules():
        copy.add_url_rule(rule.rule, rule.endpoint, methods=rule.methods)
    copy.add_url_rule("/api/v1/new-thing", "api.new_thing", methods=["GET"])
    assert set(undocumented(copy)) - set(undocumented(app)) == {"GET /new-thing"}


def test_every_operation_documents_its_errors_as_the_error_envelope(app):
    """Each non-2xx answer is the {"error": {"code", "message"}} schema; tokens give 401."""
    doc = document(app)
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400 and not (path == "/health" and status == "503"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path)
            if operation["security"]:
                assert "401" in operation["responses"], (method, path)


def test_every_serializer_is_mapped_to_a_schema():
    """A new *_json serializer must be added to SERIALIZED (and so to the document)."""
    found = {
        name
        for name, value in inspect.getmembers(serializers, inspect.isfunction)
        if name.endswith("_json") and value.__module__ == serializers.__name__
    }
    assert found == set(SERIALIZED)


def test_every_serialized_field_is_in_its_schema(app, x):
    """Real rows through the serializers validate against their schemas, with no extra field."""
    import sqlalchemy as sa

    from helpdesk.extensions import db

    desk = seed_desk(x)
    doc = document(app)
    mentions = db.session.scalars(sa.select(Mention)).all()
    assert mentions
    for mention in mentions:
        _check(doc, "Mention", serializers.mention_json(mention))
    for reply in db.session.scalars(sa.select(Reply)):
        _check(doc, "Reply", serializers.reply_json(reply))
    for item in db.session.scalars(sa.select(Escalation)):
        _check(doc, "Escalation", serializers.escalation_json(item))
    for item in db.session.scalars(sa.select(CannedReply)):
        _check(doc, "CannedReply", serializers.canned_json(item))
    for item in db.session.scalars(sa.select(ApiToken)):
        _check(doc, "Token", serializers.token_json(item))
    from helpdesk.services import notes

    agent_row = db.session.scalar(sa.select(Employee).where(Employee.number == desk.agent))
    for about in ("mention", "customer"):
        note = notes.add_note(mentions[0].id, agent_row, "社内メモ", about)
        _check(doc, "Note", serializers.note_json(note))
    for item in db.session.scalars(sa.select(Employee)):
        _check(doc, "Employee", serializers.employee_json(item))
    from helpdesk.services import costs as costs_service

    for item in costs_service.list_prices():
        _check(doc, "Price", serializers.price_json(item))
    for item in rules.list_rules("guideline"):
        _check(doc, "GuidelineRule", rules.rule_dict(item))
    for item in rules.list_rules("priority"):
        _check(doc, "PriorityRule", rules.rule_dict(item))
    for item in rules.list_sla_targets():
        _check(doc, "SlaTarget", item)
    agent = db.session.scalar(sa.select(Employee).where(Employee.number == desk.agent))
    _check(doc, "Preview", replies.preview("Hello secret", agent).as_dict())
    boss = db.session.scalar(sa.select(Employee).where(Employee.number == desk.supervisor))
    _check(doc, "RuleTrial", rules.check_text("至急 secret", 10, actor=boss).as_dict())
    from datetime import UTC, datetime, timedelta

    end = datetime.now(UTC) + timedelta(hours=1)
    start = end - timedelta(days=2)
    tz = app.config["HELPDESK"].timezone
    _check(doc, "Coverage", serializers.coverage_json(coverage.coverage(start, end, tz)))
    _check(doc, "Listening", serializers.coverage_json(listening.listening(start, end, tz)))


def test_tagged_mentions_and_suggestions_match_their_schemas(app, x):
    """A tagged mention, alone and in a list, and tag suggestions validate."""
    import sqlalchemy as sa

    from helpdesk.extensions import db
    from helpdesk.services import tagging
    from tests.support.routing import make_tags

    desk = seed_desk(x)
    doc = document(app)
    mentions = db.session.scalars(sa.select(Mention).order_by(Mention.id)).all()
    make_tags("配送", "返品")
    boss = db.session.scalar(sa.select(Employee).where(Employee.number == desk.supervisor))
    tagging.set_mention_tags(mentions[0], ["配送", "返品"], boss)
    for item in [serializers.mention_json(mentions[0]), *serializers.mentions_json(mentions)]:
        _check(doc, "Mention", item)
    assert serializers.mentions_json(mentions)[0]["tags"] == ["返品", "配送"]
    suggested = tagging.suggest_tags(mentions[1]) + [tagging.Suggestion("配送", True, 3)]
    for item in suggested:
        _check(doc, "TagSuggestion", serializers.suggestion_json(item))


def test_a_field_missing_from_a_schema_is_caught(app, x):
    """The field check is real: a serializer's output with one more field fails it."""
    seed_desk(x)
    import sqlalchemy as sa

    from helpdesk.extensions import db

    doc = document(app)
    mention = db.session.scalars(sa.select(Mention)).first()
    emitted = {**serializers.mention_json(mention), "labels": []}
    try:
        _check(doc, "Mention", emitted)
    except AssertionError as exc:
        assert "labels" in str(exc)
    else:
        raise AssertionError("an extra field passed the check")
