"""Each test starts from an empty Redis as a fresh process would see it: nothing a former test
left in Redis, nor in the process's memory of what it wrote there."""

from __future__ import annotations

from helpdesk.services import presence
from tests.support.app import empty_redis


def test_emptying_redis_forgets_what_presence_wrote(app, make_employee, login):
    """Presence written just before the Redis db is emptied (as by the test before) is written
    again by the next request, as the access checks' snapshots expect."""
    employee = make_employee("0427")
    presence.touch(employee.id, active=True)
    store = app.extensions["redis"]
    assert store.exists(presence.ACTIVE_KEY, presence.SEEN_KEY) == 2
    empty_redis(app)
    assert store.exists(presence.ACTIVE_KEY, presence.SEEN_KEY) == 0
    login("0427")
    assert store.exists(presence.ACTIVE_KEY, presence.SEEN_KEY) == 2
