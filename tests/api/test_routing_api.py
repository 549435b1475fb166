"""The routing API: Next (200 or 204), the desk's mode, skills with validation, presence, tags."""

from __future__ import annotations

import pytest

from helpdesk.services import presence
from tests.support.routing import forget_presence_writes, make_tags, post


@pytest.fixture(autouse=True)
def _fresh_presence(app):
    """Each test starts with nobody seen (the app fixture flushed Redis)."""
    forget_presence_writes(app)


def put(api, path: str, body: object):
    return api.client.put(
        f"/api/v1{path}", json=body, headers={"Authorization": f"Bearer {api.token}"}
    )


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


def test_next_returns_the_claimed_mention_then_204_when_nothing_fits(app, x, api_as):
    """200 {"mention"} claimed by me; with nothing left, 204 and no body."""
    agent = api_as("0427")
    [mention_id] = post(x, "質問があります")
    first = agent.post("/next")
    assert first.status_code == 200
    mention = first.get_json()["mention"]
    assert (mention["id"], mention["claimed_by"], mention["status"]) == (mention_id, "0427", "open")
    empty = agent.post("/next")
    assert empty.status_code == 204 and empty.data == b""


def test_next_at_capacity_is_a_409_with_the_counts(app, x, api_as, make_employee):
    """Capacity 1: the second Next is 409 at_capacity with open_claims and capacity."""
    admin, agent = api_as("0001", "admin"), api_as("0427")
    post(x, "一", "二")
    assert (
        put(admin, "/employees/0427/skills", {"languages": ["ja"], "capacity": 1}).status_code
        == 200
    )
    assert agent.post("/next").status_code == 200
    refused = agent.post("/next")
    assert refused.status_code == 409
    body = refused.get_json()["error"]
    assert (body["code"], body["open_claims"], body["capacity"]) == ("at_capacity", 1, 1)


def test_skills_are_read_and_replaced(app, api_as, make_employee):
    """PUT sets languages, tags and capacity; GET reads them back."""
    admin = api_as("0001", "admin")
    make_employee("0101")
    make_tags("PC", "配送")
    body = {"languages": ["en", "ja"], "tags": ["配送", "PC"], "capacity": 7}
    answer = put(admin, "/employees/0101/skills", body)
    assert answer.status_code == 200
    expected = {"number": "0101", "languages": ["ja", "en"], "tags": ["PC", "配送"], "capacity": 7}
    assert answer.get_json() == expected
    assert admin.get("/employees/0101/skills").get_json() == expected


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"languages": ["ja"], "capacity": 0}, 400, "invalid_capacity"),
        ({"languages": ["ja"], "capacity": 21}, 400, "invalid_capacity"),
        ({"languages": ["ja"], "capacity": True}, 400, "invalid_capacity"),
        ({"languages": ["ja"], "capacity": 2.5}, 400, "invalid_capacity"),
        ({"languages": ["ja"], "capacity": "lots"}, 400, "invalid_capacity"),
        ({"languages": ["ja"]}, 400, "invalid_capacity"),
        ({"languages": [], "capacity": 3}, 400, "invalid_languages"),
        ({"languages": ["fr"], "capacity": 3}, 400, "invalid_languages"),
        ({"languages": "ja", "capacity": 3}, 400, "invalid_languages"),
        ({"languages": ["ja"], "capacity": 3, "tags": "PC"}, 400, "invalid_tags"),
        ({"languages": ["ja"], "capacity": 3, "tags": [1]}, 400, "invalid_tags"),
        ({"languages": ["ja"], "capacity": 3, "tags": ["カメラ"]}, 422, "unknown_tag"),
        ([], 400, "invalid_request"),
    ],
)
def test_bad_skills_are_refused_clearly(app, api_as, make_employee, body, status, code):
    """Every malformed skills body is a 4xx with a stable code, never a 500."""
    admin = api_as("0001", "admin")
    make_employee("0101")
    make_tags("PC")
    answer = put(admin, "/employees/0101/skills", body)
    assert (answer.status_code, error_code(answer)) == (status, code)


def test_an_unknown_tag_lists_the_known_ones(app, api_as, make_employee):
    """422 unknown_tag names the unknown tags and lists the desk's."""
    admin = api_as("0001", "admin")
    make_employee("0101")
    make_tags("PC", "返品")
    answer = put(
        admin,
        "/employees/0101/skills",
        {"languages": ["ja"], "tags": ["カメラ", "PC"], "capacity": 3},
    )
    error = answer.get_json()["error"]
    assert (error["unknown"], error["known"]) == (["カメラ"], ["PC", "返品"])


def test_skills_of_someone_unknown_or_out_of_reach(app, api_as):
    """404 for a number nobody has; a supervisor cannot set an admin's skills (403)."""
    supervisor = api_as("0002", "supervisor")
    api_as("0001", "admin")
    assert put(supervisor, "/employees/9999/skills", {}).status_code == 404
    refused = put(supervisor, "/employees/0001/skills", {"languages": ["ja"], "capacity": 3})
    assert (refused.status_code, error_code(refused)) == (403, "admin_only")


def test_the_routing_mode_is_read_by_all_and_set_by_supervisors(app, api_as):
    """GET for anyone, PUT for supervisors; an unknown mode is 400 invalid_mode."""
    supervisor, agent = api_as("0002", "supervisor"), api_as("0427")
    assert agent.get("/routing").get_json() == {"mode": "pull", "modes": ["pull", "next", "auto"]}
    assert put(supervisor, "/routing", {"mode": "next"}).get_json()["mode"] == "next"
    assert agent.get("/routing").get_json()["mode"] == "next"
    assert put(supervisor, "/routing", {"mode": "auto"}).get_json()["mode"] == "auto"
    bad = put(supervisor, "/routing", {"mode": "round-robin"})
    assert (bad.status_code, error_code(bad)) == (400, "invalid_mode")
    assert put(agent, "/routing", {"mode": "pull"}).status_code == 403


def test_next_mode_refuses_an_agents_claim_from_the_list(app, x, api_as):
    """In next mode, POST claim by an agent is 409 routing_next_only; Next still works."""
    supervisor, agent = api_as("0002", "supervisor"), api_as("0427")
    [mention_id] = post(x, "質問")
    put(supervisor, "/routing", {"mode": "next"})
    refused = agent.post(f"/mentions/{mention_id}/claim")
    assert (refused.status_code, error_code(refused)) == (409, "routing_next_only")
    assert agent.post("/next").get_json()["mention"]["id"] == mention_id
    assert agent.post(f"/mentions/{mention_id}/claim").status_code == 200  # extending mine


def test_presence_lists_state_load_and_capacity(app, x, api_as):
    """Each active employee with state, open claims and capacity; API calls count as activity."""
    supervisor, agent = api_as("0002", "supervisor"), api_as("0427")
    post(x, "質問")
    agent.post("/next")
    employees = {e["number"]: e for e in supervisor.get("/presence").get_json()["employees"]}
    assert employees["0427"] == {
        "number": "0427",
        "state": "online",
        "open_claims": 1,
        "capacity": 3,
        "languages": ["ja"],
        "tags": [],
    }
    app.extensions["redis"].delete(presence.ACTIVE_KEY, presence.SEEN_KEY)
    forget_presence_writes(app)
    employees = {e["number"]: e for e in supervisor.get("/presence").get_json()["employees"]}
    assert employees["0427"]["state"] == "offline"


def test_tags_are_listed_and_added_by_supervisors(app, api_as):
    """POST /tags adds one (201); the same name again is 409; an empty one 400."""
    supervisor, agent = api_as("0002", "supervisor"), api_as("0427")
    assert supervisor.post("/tags", {"name": " カメラ "}).status_code == 201
    again = supervisor.post("/tags", {"name": "カメラ"})
    assert (again.status_code, error_code(again)) == (409, "tag_exists")
    for bad in ("", "x" * 51, "a\u0000b", 5):
        refused = supervisor.post("/tags", {"name": bad})
        assert (refused.status_code, error_code(refused)) == (400, "invalid_tag")
    assert [t["name"] for t in agent.get("/tags").get_json()["items"]] == ["カメラ"]
    assert agent.post("/tags", {"name": "PC"}).status_code == 403
