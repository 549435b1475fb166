"""50 agents press Next at the same instant: nobody gets a mention someone else got."""

from __future__ import annotations

import threading
from collections import Counter

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Employee, Mention, Role
from helpdesk.services import routing
from helpdesk.services.employees import create_employee
from tests.support.app import PASSWORD
from tests.support.routing import post

AGENTS = 50


def agents(count: int) -> list[int]:
    """`count` agents speaking ja and en (one password hash shared to keep set-up cheap)."""
    first = create_employee("1000", "Agent 1000", Role.AGENT, PASSWORD)
    rows = [
        Employee(
            number=f"{1000 + i}",
            name=f"Agent {1000 + i}",
            role=Role.AGENT,
            password_hash=first.password_hash,
            languages="ja,en",
        )
        for i in range(1, count)
    ]
    first.languages = "ja,en"
    db.session.add_all(rows)
    db.session.commit()
    return [first.id] + [row.id for row in rows]


def press_next_together(app, agent_ids: list[int]) -> list[tuple[int, int | None, str | None]]:
    """Every agent presses Next at once, each in its own thread, app context and session."""
    db.session.rollback()  # end the test's transaction (on SQLite it holds the write lock)
    barrier = threading.Barrier(len(agent_ids))
    results: list[tuple[int, int | None, str | None]] = []

    def press(agent_id: int) -> None:
        with app.app_context():
            agent = db.session.get(Employee, agent_id)
            db.session.rollback()  # hold no lock (nor pooled connection) while waiting
            barrier.wait(timeout=30)
            try:
                got = routing.next_for(agent)
                results.append((agent_id, got.id if got else None, None))
            except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
                results.append((agent_id, None, repr(exc)))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=press, args=(i,)) for i in agent_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def holders() -> dict[int, int]:
    rows = db.session.execute(
        sa.select(Mention.id, Mention.claimed_by_id).where(Mention.claimed_by_id.is_not(None))
    )
    return dict(rows.all())


def test_fifty_concurrent_nexts_hand_out_fifty_different_mentions(app, x):
    """60 open mentions, 50 Nexts at once: 50 distinct mentions, each held by whoever got it."""
    post(x, *[f"質問 {i}" for i in range(60)])
    ids = agents(AGENTS)
    results = press_next_together(app, ids)
    assert [error for _, _, error in results if error] == []
    given = [mention for _, mention, _ in results]
    assert len(results) == AGENTS and None not in given
    assert len(set(given)) == AGENTS, Counter(given).most_common(3)
    db.session.expire_all()
    assert holders() == {mention: agent for agent, mention, _ in results}


def test_more_agents_than_mentions_each_mention_goes_to_exactly_one(app, x):
    """10 open mentions, 50 Nexts at once: 10 agents get one each, 40 hear nothing fits."""
    post(x, *[f"問い合わせ {i}" for i in range(10)])
    ids = agents(AGENTS)
    results = press_next_together(app, ids)
    assert [error for _, _, error in results if error] == []
    given = [mention for _, mention, _ in results if mention is not None]
    assert len(given) == 10 and len(set(given)) == 10
    assert sum(1 for _, mention, _ in results if mention is None) == AGENTS - 10
    db.session.expire_all()
    assert holders() == {mention: agent for agent, mention, _ in results if mention}


def test_one_agent_pressing_next_in_many_tabs_stays_within_capacity(app, x):
    """20 Nexts at once by one agent with capacity 2: exactly 2 mentions, the rest at_capacity."""
    post(x, *[f"相談 {i}" for i in range(30)])
    [agent_id] = agents(1)
    agent = db.session.get(Employee, agent_id)
    agent.capacity = 2
    db.session.commit()
    results = press_next_together(app, [agent_id] * 20)
    given = [mention for _, mention, _ in results if mention is not None]
    errors = Counter(error.split("(")[0] for _, _, error in results if error)
    assert len(given) == 2 and len(set(given)) == 2
    assert errors == {"Conflict": 18}, errors
    db.session.expire_all()
    assert sorted(holders()) == sorted(given)
