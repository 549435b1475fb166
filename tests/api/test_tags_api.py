"""The tags API: set a mention's tags, read them in the mention JSON, filter by tag, suggestions."""

from __future__ import annotations

import json

import pytest

from tests.support.routing import make_tags, post


def put_tags(api, mention_id: int, body: object, raw: str | None = None):
    headers = {"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"}
    data = raw if raw is not None else json.dumps(body)
    return api.client.put(f"/api/v1/mentions/{mention_id}/tags", data=data, headers=headers)


def error(response) -> dict:
    return response.get_json()["error"]


def test_put_tags_answers_the_mention_with_its_sorted_tags(app, x, api_as):
    """PUT replaces the tags; the answer, GET and the list carry `tags` sorted by name."""
    agent = api_as("0427")
    make_tags("配送", "返品", "PC")
    first, second = post(x, "届きません", "返品したい")
    answer = put_tags(agent, first, {"tags": ["配送", "PC", "配送"]})
    assert answer.status_code == 200
    assert (answer.get_json()["id"], answer.get_json()["tags"]) == (first, ["PC", "配送"])
    assert agent.get(f"/mentions/{first}").get_json()["tags"] == ["PC", "配送"]
    listed = {m["id"]: m["tags"] for m in agent.get("/mentions").get_json()["items"]}
    assert listed == {first: ["PC", "配送"], second: []}
    assert put_tags(agent, first, {"tags": []}).get_json()["tags"] == []


def test_the_list_filters_by_tag_and_refuses_an_unknown_one(app, x, api_as):
    """?tag= lists only mentions carrying it (any status); an unknown name is 422 unknown_tag."""
    agent = api_as("0427")
    make_tags("配送", "返品")
    first, second, third = post(x, "一", "二", "三")
    put_tags(agent, first, {"tags": ["配送"]})
    put_tags(agent, third, {"tags": ["配送", "返品"]})
    ids = [m["id"] for m in agent.get("/mentions", tag="配送").get_json()["items"]]
    assert ids == [first, third]
    ids = [m["id"] for m in agent.get("/mentions", tag="返品", status="all").get_json()["items"]]
    assert ids == [third]
    page = agent.get("/mentions", tag="配送", limit=1).get_json()
    follow = agent.get("/mentions", tag="配送", limit=1, cursor=page["next_cursor"]).get_json()
    assert [m["id"] for m in page["items"] + follow["items"]] == [first, third]
    refused = agent.get("/mentions", tag="カメラ")
    assert refused.status_code == 422
    assert (error(refused)["code"], error(refused)["known"]) == ("unknown_tag", ["返品", "配送"])


def test_unknown_and_too_many_tags_are_422_and_change_nothing(app, x, api_as):
    """unknown_tag lists the known tags in its message; an 11th tag is too_many_tags."""
    agent = api_as("0427")
    names = [f"t{i:02}" for i in range(11)]
    make_tags("配送", *names)
    [mention_id] = post(x, "質問")
    put_tags(agent, mention_id, {"tags": ["配送"]})
    unknown = put_tags(agent, mention_id, {"tags": ["配送", "カメラ"]})
    assert unknown.status_code == 422 and error(unknown)["code"] == "unknown_tag"
    assert "配送" in error(unknown)["message"] and error(unknown)["unknown"] == ["カメラ"]
    long = put_tags(agent, mention_id, {"tags": ["x" * 5000]})
    assert long.status_code == 422 and error(long)["unknown"] == ["x" * 50 + "…"]
    many = put_tags(agent, mention_id, {"tags": names})
    assert many.status_code == 422 and error(many)["code"] == "too_many_tags"
    assert agent.get(f"/mentions/{mention_id}").get_json()["tags"] == ["配送"]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ('{"tags": "配送"}', "invalid_tags"),
        ('{"tags": [1, 2]}', "invalid_tags"),
        ('{"tags": [["配送"]]}', "invalid_tags"),
        ("{}", "invalid_tags"),
        ('["配送"]', "invalid_request"),
        ('{"tags": ["\\ud800"]}', "invalid_text"),
        ('{"tags": ["配\\u0000送"]}', "invalid_text"),
        ('{"tags": ["配\\u200b送"]}', "invalid_text"),
    ],
)
def test_a_body_that_is_not_a_list_of_names_is_400(app, x, api_as, raw, code):
    """Not a list of strings, a lone surrogate or a control character: 400 with its code."""
    agent = api_as("0427")
    make_tags("配送")
    [mention_id] = post(x, "質問")
    refused = put_tags(agent, mention_id, None, raw=raw)
    assert refused.status_code == 400
    assert error(refused)["code"] == code
    assert agent.get(f"/mentions/{mention_id}").get_json()["tags"] == []


def test_a_trainee_tags_only_a_claimed_mention_and_unknown_mentions_are_404(app, x, api_as):
    """403 tag_needs_claim until the trainee holds the mention; 404 for no such mention."""
    trainee = api_as("0201", "trainee")
    make_tags("配送")
    [mention_id] = post(x, "質問")
    refused = put_tags(trainee, mention_id, {"tags": ["配送"]})
    assert refused.status_code == 403 and error(refused)["code"] == "tag_needs_claim"
    assert trainee.post(f"/mentions/{mention_id}/claim").status_code == 200
    assert put_tags(trainee, mention_id, {"tags": ["配送"]}).status_code == 200
    assert put_tags(trainee, 999999, {"tags": []}).status_code == 404


def test_suggestions_name_their_sources(app, x, api_as):
    """GET .../tags/suggestions: the text's tags first, then colleagues' by count."""
    agent = api_as("0427")
    make_tags("配送", "初期不良")
    first, second = post(x, "電源が入らない、配送も遅い", "電源が入らない")
    put_tags(agent, first, {"tags": ["初期不良"]})
    items = agent.get(f"/mentions/{first}/tags/suggestions").get_json()["items"]
    assert [(i["name"], i["sources"]) for i in items] == [
        ("配送", ["text"]),
        ("初期不良", ["colleagues"]),
    ]
    items = agent.get(f"/mentions/{second}/tags/suggestions").get_json()["items"]
    assert [i["name"] for i in items] == ["初期不良"] and items[0]["count"] >= 1
    assert agent.get("/mentions/999999/tags/suggestions").status_code == 404
