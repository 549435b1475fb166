"""Routing in the browser: the Next button, next mode's read-only list, skills and presence."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Mention
from helpdesk.services import presence, routing, skills
from tests.support.routing import forget_presence_writes, make_tags, online
from tests.support.web import csrf_from, sign_in

HOSTILE_TAG = "<b>カメラ</b>"


@pytest.fixture(autouse=True)
def _fresh_presence(app):
    """Each test starts with nobody seen (the app fixture flushed Redis)."""
    forget_presence_writes(app)


@pytest.fixture
def agent(make_employee, login):
    """Agent 0427 (ja), signed in."""
    employee = make_employee("0427")
    login("0427")
    return employee


def press_next(client, lang: str = "en"):
    token = csrf_from(client.get("/inbox").text)
    return client.post(
        "/inbox/next",
        data={"csrf_token": token},
        headers={"Accept-Language": lang},
        follow_redirects=True,
    )


def supervise_post(client, path: str, data: dict, lang: str = "en"):
    token = csrf_from(client.get("/supervise/employees").text)
    return client.post(
        path,
        data={**data, "csrf_token": token},
        headers={"Accept-Language": lang},
        follow_redirects=True,
    )


def test_next_opens_the_most_urgent_mention_and_says_it_is_mine(client, agent, mentions):
    """Next claims the oldest open mention and opens its page with a note."""
    ids = mentions("最初の質問", "二番目の質問")
    page = press_next(client)
    assert page.status_code == 200
    assert "This mention is yours now." in page.text
    assert f'data-holder="{agent.number}"' in page.text
    assert db.session.get(Mention, ids[0]).claimed_by_id == agent.id


def test_next_with_nothing_fitting_is_a_notice_not_an_error(client, agent):
    """With no open mention, Next returns to the inbox with a notice (en and ja)."""
    page = press_next(client)
    assert page.status_code == 200
    assert "Nothing fits you right now" in page.text
    assert "今あなたに合う投稿はありません" in press_next(client, "ja").text


def test_next_at_capacity_says_so(client, agent, mentions):
    """A fourth Next with capacity 3 refuses kindly and shows my claims."""
    mentions("一", "二", "三", "四")
    for _ in range(3):
        press_next(client)
    page = press_next(client, "ja")
    assert page.status_code == 200
    assert "すでに上限の 3 件を担当しています" in page.text
    assert routing.open_claims(agent) == 3


def test_the_inbox_has_a_next_button_in_both_languages(client, agent):
    """The Next button is on the inbox, in English and Japanese."""
    assert 'id="next-button"' in client.get("/inbox", headers={"Accept-Language": "en"}).text
    assert ">次へ</button>" in client.get("/inbox", headers={"Accept-Language": "ja"}).text


def test_next_mode_makes_the_list_read_only_for_agents(client, agent, mentions, make_employee):
    """In next mode an agent sees no Claim button nor composer on an unclaimed mention, a hint
    on the inbox, and a claim posted anyway is refused (409) with the hint."""
    boss = make_employee("0002", "supervisor")
    [mention_id] = mentions("質問です")
    routing.set_routing_mode("next", actor=boss)
    inbox_page = client.get("/inbox", headers={"Accept-Language": "en"}).text
    assert 'data-testid="routing-next"' in inbox_page
    page = client.get(f"/mentions/{mention_id}").text
    assert 'id="claim-button"' not in page and 'id="composer"' not in page
    token = csrf_from(page)
    refused = client.post(
        f"/mentions/{mention_id}/claim",
        data={"csrf_token": token},
        headers={"Accept-Language": "en"},
    )
    assert refused.status_code == 409
    assert "press Next to get the most urgent mention" in refused.text
    opened = press_next(client)
    assert 'id="claim-button"' in opened.text  # "Extend my claim" on what Next gave me
    assert 'id="composer"' in opened.text


def test_pull_mode_keeps_the_claim_button(client, agent, mentions):
    """In pull mode (the default) the list works as before."""
    [mention_id] = mentions("質問です")
    assert 'id="claim-button"' in client.get(f"/mentions/{mention_id}").text
    assert 'data-testid="routing-next"' not in client.get("/inbox").text


def test_a_supervisor_sets_skills_and_the_change_is_audited(client, supervisor, make_employee):
    """Languages, tags and capacity are saved from the employees page, and audited."""
    worker = make_employee("0101")
    make_tags("配送", "返品")
    page = supervise_post(
        client,
        "/supervise/employees/0101/skills",
        {"languages": ["ja", "en"], "tags": ["返品"], "capacity": "5"},
    )
    assert page.status_code == 200
    assert "Routing skills saved for 0101." in page.text
    db.session.expire_all()
    assert (worker.language_list, worker.capacity) == (["ja", "en"], 5)
    assert skills.tags_by_employee([worker.id])[worker.id] == ["返品"]
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "employee.skills_changed")
    )
    assert event.actor_number == "0002" and event.subject_id == "0101"


@pytest.mark.parametrize("capacity", ["0", "21", "three", "", "-1", "1e1"])
def test_capacity_outside_1_to_20_is_refused_clearly(client, supervisor, make_employee, capacity):
    """A capacity that is not a whole number from 1 to 20 is a 400 with the rule, in ja too."""
    make_employee("0101")
    page = supervise_post(
        client, "/supervise/employees/0101/skills", {"languages": "ja", "capacity": capacity}
    )
    assert page.status_code == 400
    assert "Capacity is a whole number from 1 to 20." in page.text
    page = supervise_post(
        client,
        "/supervise/employees/0101/skills",
        {"languages": "ja", "capacity": capacity},
        lang="ja",
    )
    assert "担当件数は 1 から 20 の整数で指定してください。" in page.text


def test_an_unknown_tag_is_refused_with_the_known_ones(client, supervisor, make_employee):
    """A tag not on the desk's list: 422 naming it and listing the desk's tags, escaped."""
    make_employee("0101")
    make_tags("配送", HOSTILE_TAG)
    page = supervise_post(
        client,
        "/supervise/employees/0101/skills",
        {"languages": "ja", "tags": ["PC"], "capacity": "3"},
    )
    assert page.status_code == 422
    assert (
        "Unknown tags: PC. The desk&#39;s tags are: &lt;b&gt;カメラ&lt;/b&gt;, 配送." in page.text
    )
    assert HOSTILE_TAG not in page.text


def test_no_language_is_refused(client, supervisor, make_employee):
    """Unticking every language is a 400 saying to tick one."""
    make_employee("0101")
    page = supervise_post(client, "/supervise/employees/0101/skills", {"capacity": "3"})
    assert page.status_code == 400
    assert "Tick at least one language" in page.text


def test_a_supervisor_sets_the_routing_mode(client, supervisor):
    """The routing panel switches the desk to next mode, auto and back; a bad mode is a 400."""
    page = supervise_post(client, "/supervise/routing", {"mode": "next"})
    assert "Agents now get their work by Next" in page.text
    assert routing.routing_mode().value == "next"
    page = supervise_post(client, "/supervise/routing", {"mode": "auto"})
    assert "least-loaded fitting agent online" in page.text
    assert routing.routing_mode().value == "auto"
    assert supervise_post(client, "/supervise/routing", {"mode": "round-robin"}).status_code == 400
    supervise_post(client, "/supervise/routing", {"mode": "pull"})
    assert routing.routing_mode().value == "pull"


def presence_of(html: str, number: str) -> str:
    row = re.search(rf'<tr id="employee-{number}".*?</tr>', html, re.S)
    assert row, f"no row for {number}"
    return re.search(r'data-presence="(\w+)"', row.group(0)).group(1)


def test_the_employees_page_shows_presence_from_activity(app, client, supervisor, make_employee):
    """Acting makes an employee online; only a page's poll, away; nothing lately, offline."""
    active, polling, absent = (make_employee(n) for n in ("0101", "0102", "0103"))
    agent_client = app.test_client()
    sign_in(agent_client, "0101")
    agent_client.get("/inbox")
    presence.touch(polling.id, active=False)
    online(absent, at=time.time() - 3600)
    page = client.get("/supervise/employees").text
    assert presence_of(page, "0101") == "online"
    assert presence_of(page, "0102") == "away"
    assert presence_of(page, "0103") == "offline"
    assert presence_of(page, "0002") == "online"  # the supervisor reading the page


def test_the_inbox_poll_alone_does_not_make_anyone_online(app, make_employee):
    """A page's background poll counts as seen (away), not as activity."""
    worker = make_employee("0101")
    agent_client = app.test_client()
    sign_in(agent_client, "0101")
    app.extensions["redis"].delete(presence.ACTIVE_KEY, presence.SEEN_KEY)
    app.extensions.get("presence_written", {}).clear()
    agent_client.get("/inbox/live")
    assert presence.states([worker.id])[worker.id].value == "away"


def test_signing_out_shows_offline_at_once(app, client, make_employee, login):
    """After signing out, an employee is offline, not online for five more minutes."""
    worker = make_employee("0101")
    login("0101")
    client.get("/inbox")
    assert presence.states([worker.id])[worker.id].value == "online"
    token = csrf_from(client.get("/inbox").text)
    client.post("/auth/logout", data={"csrf_token": token})
    assert presence.states([worker.id])[worker.id].value == "offline"
