"""Auto mode: waiting mentions go to the least-loaded fitting agent online; idle agents'
claims come back; every assignment and hand-back is audited; off in the other modes."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Employee, Mention, Role
from helpdesk.models.types import utcnow
from helpdesk.services import auto_routing, inbox, presence, routing, skills
from tests.support.routing import at, forget_presence_writes, online, post


@pytest.fixture(autouse=True)
def _fresh_presence(app):
    forget_presence_writes(app)


@pytest.fixture
def boss(make_employee):
    return make_employee("0001", "supervisor")


def _skills(employee: Employee, boss: Employee, languages=("ja",), capacity=3) -> None:
    skills.set_skills(employee, list(languages), [], capacity, actor=boss)


def _holders() -> dict[int, int | None]:
    db.session.expire_all()
    return dict(db.session.execute(sa.select(Mention.id, Mention.claimed_by_id)).all())


def _events(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_nothing_is_assigned_outside_auto_mode(app, x, boss, make_employee):
    """In pull (and next) mode the job leaves every mention where it is."""
    agent = make_employee("0101")
    _skills(agent, boss)
    post(x, "質問です")
    online(agent)
    assert auto_routing.route_waiting() == {"handed_back": 0, "assigned": 0}
    routing.set_routing_mode("next", actor=boss)
    assert auto_routing.route_waiting() == {"handed_back": 0, "assigned": 0}
    assert set(_holders().values()) == {None}


def test_mentions_go_to_the_least_loaded_fitting_agent_online(app, x, boss, make_employee):
    """Four mentions and two online agents, balanced by open claims (the one already holding
    one ends with three, the other with two), the oldest to the least loaded; the agent who
    is not online gets none."""
    busy, free, away = make_employee("0101"), make_employee("0102"), make_employee("0103")
    for agent in (busy, free, away):
        _skills(agent, boss, capacity=3)
    held, *waiting = post(x, "質問0", "質問1", "質問2", "質問3", "質問4")
    now = utcnow()
    for minutes, mention_id in zip((50, 40, 30, 20, 10), [held, *waiting], strict=True):
        at(mention_id, now - timedelta(minutes=minutes))
    inbox.claim(held, busy)  # taken from the list before the desk switched to auto
    routing.set_routing_mode("auto", actor=boss)
    online(busy, free)

    assert auto_routing.route_waiting() == {"handed_back": 0, "assigned": 4}

    holders = _holders()
    assert [holders[m] for m in waiting] == [free.id, busy.id, free.id, busy.id]
    assert away.id not in holders.values()
    assert holders[waiting[0]] == free.id  # the oldest to the least loaded
    events = _events("mention.assigned")
    assert len(events) == 4
    assert all(e.actor_number is None and '"by": "auto"' in e.details for e in events)
    assert {f'"to": "{free.number}"' in e.details for e in events} == {True, False}


def test_a_mention_waits_for_the_agent_who_fits_it(app, x, boss, make_employee):
    """An English mention goes to the online English agent, not to the Japanese one who has
    more room; with nobody fitting online, it goes to whoever is there rather than wait."""
    ja, en = make_employee("0101"), make_employee("0102")
    _skills(ja, boss, ["ja"], capacity=5)
    _skills(en, boss, ["en"], capacity=1)
    routing.set_routing_mode("auto", actor=boss)
    english, english_2 = post(x, "a question about my camera", "a question about my laptop")
    at(english, utcnow() - timedelta(minutes=5))
    online(ja, en)
    auto_routing.route_waiting()
    holders = _holders()
    assert holders[english] == en.id  # the older one, to the one who fits
    assert holders[english_2] is None  # 0102 is full; it waits for them, 0101 does not fit

    presence.forget(en.id)
    auto_routing.route_waiting()
    assert _holders()[english_2] == ja.id


def test_never_above_capacity(app, x, boss, make_employee):
    """Ten waiting mentions, one agent of capacity 2: two assigned, eight wait."""
    agent = make_employee("0101")
    _skills(agent, boss, capacity=2)
    routing.set_routing_mode("auto", actor=boss)
    post(x, *[f"質問{i}" for i in range(10)])
    online(agent)
    assert auto_routing.route_waiting()["assigned"] == 2
    assert auto_routing.route_waiting()["assigned"] == 0
    assert list(_holders().values()).count(agent.id) == 2


def test_an_idle_agent_hands_their_claims_back(app, x, boss, make_employee):
    """An agent whose last action is older than the idle limit loses their claims, audited,
    and the mentions go to a colleague who is online; a recent one keeps theirs."""
    idle, active = make_employee("0101"), make_employee("0102")
    _skills(idle, boss, capacity=3)
    _skills(active, boss, capacity=3)
    first, second = post(x, "質問A", "質問B")
    inbox.claim(first, idle)
    inbox.claim(second, active)
    routing.set_routing_mode("auto", actor=boss)
    limit = app.config["HELPDESK"].auto_idle_seconds
    online(idle, at=time.time() - limit - 5)
    online(active)

    result = auto_routing.route_waiting()

    assert result == {"handed_back": 1, "assigned": 1}
    holders = _holders()
    assert holders[first] == active.id and holders[second] == active.id
    (event,) = _events("mention.handed_back")
    assert event.subject_id == str(first) and '"taken_from": "0101"' in event.details


def test_a_supervisors_claim_is_left_alone(app, x, boss):
    """Supervisors take work by hand; auto mode never takes it back."""
    routing.set_routing_mode("auto", actor=boss)
    (mention,) = post(x, "質問")
    inbox.claim(mention, boss)
    assert auto_routing.route_waiting()["handed_back"] == 0
    assert _holders()[mention] == boss.id


def test_in_auto_mode_agents_do_not_pick_from_the_list(app, x, boss, make_employee):
    """Like next mode: an agent's claim from the list is refused; Next still works."""
    agent = make_employee("0101")
    _skills(agent, boss)
    routing.set_routing_mode("auto", actor=boss)
    (mention,) = post(x, "質問")
    assert not routing.may_pick(agent)
    assert routing.next_for(agent).id == mention
    assert agent.role is Role.AGENT
