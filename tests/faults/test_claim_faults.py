"""Invariant 4 under load: 100 employees claim one mention at the same instant over real HTTP."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
import requests
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Employee, Mention, Role
from helpdesk.services.employees import create_employee, create_token
from tests.support.app import PASSWORD
from tests.support.faults import RUNS, read, stored_mentions

pytestmark = pytest.mark.faults

CLAIMANTS = 100


def agents_with_tokens(count: int) -> list[tuple[int, str]]:
    """`count` agents and an API token each (one password hash shared to keep set-up cheap)."""
    first = create_employee("1000", "Agent 1000", Role.AGENT, PASSWORD)
    agents = [first]
    for i in range(1, count):
        agents.append(
            Employee(
                number=f"{1000 + i}",
                name=f"Agent {1000 + i}",
                role=Role.AGENT,
                password_hash=first.password_hash,
            )
        )
    db.session.add_all(agents[1:])
    db.session.commit()
    return [(agent.id, create_token(agent)) for agent in agents]


@pytest.mark.parametrize("run", RUNS)
def test_a_hundred_concurrent_claims_make_one_holder(run, app, x, live_api, scenario):
    """100 claims at once: exactly one 200, the rest 409 already_claimed, no 500 (nor busy)."""
    rng = scenario.rng
    [mention_id] = stored_mentions(x, 1, seed=rng.randrange(10**6))
    agents = agents_with_tokens(CLAIMANTS)
    db.session.rollback()
    barrier = threading.Barrier(CLAIMANTS)
    results: list[tuple[int, int, str]] = []

    def claim(agent_id: int, token: str) -> None:
        session = requests.Session()
        barrier.wait(timeout=30)
        time.sleep(rng.uniform(0, 0.05))
        response = session.post(
            f"{live_api}/mentions/{mention_id}/claim",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        code = response.json().get("error", {}).get("code", "") if response.content else ""
        results.append((agent_id, response.status_code, code))

    threads = [threading.Thread(target=claim, args=agent) for agent in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    scenario.fault(f"{CLAIMANTS} concurrent claims on one mention")
    statuses = Counter(status for _, status, _ in results)
    scenario.note(f"statuses {dict(statuses)}")
    assert len(results) == CLAIMANTS, f"{CLAIMANTS - len(results)} claims got no answer"
    assert statuses == {200: 1, 409: CLAIMANTS - 1}, f"{dict(statuses)} ({scenario})"
    assert {code for _, status, code in results if status == 409} == {"already_claimed"}
    [winner] = [agent_id for agent_id, status, _ in results if status == 200]
    holder = read(
        lambda: db.session.scalar(sa.select(Mention.claimed_by_id).where(Mention.id == mention_id))
    )
    assert holder == winner, f"the 200 went to {winner}, the database says {holder}"
