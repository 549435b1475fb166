"""The JSON API for escalations and coverage: contract shapes, roles and bad input."""

from __future__ import annotations

from datetime import timedelta

from helpdesk.models.types import utcnow
from tests.api.test_api import ingest


def test_any_employee_escalates_once_and_the_mention_says_so(api_as, x):
    """POST escalate is 201 with the escalation; a second one is 409 already_escalated."""
    (mention_id,) = ingest(x, "I was overcharged")
    agent = api_as("0427")
    created = agent.post(f"/mentions/{mention_id}/escalate", {"reason": "Billing dispute"})
    assert created.status_code == 201
    body = created.get_json()["escalation"]
    assert body["kind"] == "manual" and body["status"] == "open"
    assert body["reason"] == "Billing dispute" and body["raised_by"] == "0427"
    assert body["mention"]["id"] == mention_id and body["mention"]["escalated"] is True
    again = api_as("0201", role="trainee").post(f"/mentions/{mention_id}/escalate", {"reason": "x"})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_escalated"
    assert agent.get(f"/mentions/{mention_id}").get_json()["escalated"] is True
    missing = agent.post(f"/mentions/{mention_id}/escalate", {})
    assert missing.status_code == 400 and missing.get_json()["error"]["code"] == "reason_required"
    assert agent.post("/mentions/999999/escalate", {"reason": "x"}).status_code == 404


def test_escalation_queue_assign_and_resolve_are_for_supervisors(api_as, x):
    """Agents get 403; a supervisor lists, assigns and resolves, and the flag clears."""
    (mention_id,) = ingest(x, "help")
    agent, supervisor = api_as("0427"), api_as("0002", role="supervisor")
    escalation_id = agent.post(f"/mentions/{mention_id}/escalate", {"reason": "VIP"}).get_json()[
        "escalation"
    ]["id"]
    for response in (
        agent.get("/escalations"),
        agent.post(f"/escalations/{escalation_id}/assign", {"employee": "0427"}),
        agent.post(f"/escalations/{escalation_id}/resolve", {"note": "done"}),
        agent.get("/coverage"),
    ):
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"
    listed = supervisor.get("/escalations").get_json()["items"]
    assert [e["id"] for e in listed] == [escalation_id]
    assert set(listed[0]) >= {"due_at", "overdue_seconds", "assigned_to", "mention", "kind"}
    assert supervisor.get("/escalations", status="bogus").status_code == 400
    assigned = supervisor.post(f"/escalations/{escalation_id}/assign", {"employee": "0427"})
    assert assigned.status_code == 200
    assert assigned.get_json()["escalation"]["assigned_to"] == "0427"
    unknown = supervisor.post(f"/escalations/{escalation_id}/assign", {"employee": "9999"})
    assert unknown.status_code == 400 and unknown.get_json()["error"]["code"] == "unknown_employee"
    no_note = supervisor.post(f"/escalations/{escalation_id}/resolve", {"note": " "})
    assert no_note.status_code == 400
    resolved = supervisor.post(f"/escalations/{escalation_id}/resolve", {"note": "Refunded."})
    assert resolved.status_code == 200
    body = resolved.get_json()["escalation"]
    assert body["status"] == "resolved" and body["resolved_by"] == "0002"
    assert body["resolution"] == "Refunded." and body["mention"]["escalated"] is False
    twice = supervisor.post(f"/escalations/{escalation_id}/resolve", {"note": "again"})
    assert twice.status_code == 409
    assert supervisor.get("/escalations").get_json()["items"] == []
    assert [e["id"] for e in supervisor.get("/escalations", status="all").get_json()["items"]] == [
        escalation_id
    ]
    assert supervisor.post("/escalations/424242/resolve", {"note": "x"}).status_code == 404


def test_coverage_defaults_to_the_last_day(api_as, x):
    """Without parameters coverage covers the last 24 hours and returns every figure."""
    ingest(x, "one", "two")
    body = api_as("0002", role="supervisor").get("/coverage").get_json()
    assert body["total"] == 2 and body["open"] == 2 and body["response_rate"] == 0
    assert body["timezone"] == "Asia/Tokyo" and len(body["per_hour"]) == 24
    assert body["to"].endswith("Z") and body["from"].endswith("Z")
    assert body["oldest_open"]["age_seconds"] >= 0
    for key in (
        "answered",
        "answered_elsewhere",
        "dismissed",
        "within_sla_rate",
        "median_first_response_seconds",
        "p90_first_response_seconds",
        "per_employee",
    ):
        assert key in body


def test_coverage_counts_a_refused_submit_per_guideline_rule(api_as, x):
    """A reply refused over an empty text shows in guideline_hits as one blocked empty-rule hit."""
    (mention_id,) = ingest(x, "hi")
    refused = api_as("0427").post(f"/mentions/{mention_id}/replies", {"text": "   "})
    assert refused.status_code == 422
    body = api_as("0002", role="supervisor").get("/coverage").get_json()
    assert body["guideline_hits"] == [
        {"rule": "empty", "severity": "block", "blocked": 1, "warned": 0, "confirmed": 0}
    ]


def test_coverage_takes_dates_and_datetimes(api_as, x):
    """from/to accept ISO dates (days in the desk's zone) and datetimes."""
    ingest(x, "one")
    supervisor = api_as("0002", role="supervisor")
    today = utcnow().date()
    by_date = supervisor.get(
        "/coverage",
        **{"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=2))},
    )
    assert by_date.status_code == 200 and by_date.get_json()["total"] == 1
    start = (utcnow() - timedelta(hours=2)).isoformat()
    by_time = supervisor.get("/coverage", **{"from": start})
    assert by_time.status_code == 200 and by_time.get_json()["total"] == 1


def test_bad_coverage_parameters_are_400_naming_the_parameter(api_as):
    """Unparseable bounds are 400 invalid_period, reversed ones reversed_period, each with a
    message naming the parameter."""
    supervisor = api_as("0002", role="supervisor")
    for params, code, name in (
        ({"from": "last tuesday"}, "invalid_period", "from"),
        ({"to": "2026-02-30"}, "invalid_period", "to"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "reversed_period", "from"),
        ({"from": "2026-03-02T10:00:00Z", "to": "2026-03-02T10:00:00Z"}, "reversed_period", "from"),
    ):
        response = supervisor.get("/coverage", **params)
        assert response.status_code == 400, params
        error = response.get_json()["error"]
        assert error["code"] == code and name in error["message"]
