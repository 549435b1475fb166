"""The posting budget counts every grant, so several workers never send more than X allows."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from helpdesk.services import budget
from helpdesk.x.models import RateLimit


def _x_says(remaining: int, reset: int, limit: int = 3) -> None:
    budget.record(RateLimit(limit=limit, remaining=remaining, reset_at=_at(reset)))


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def test_grants_before_x_first_answer_are_counted(app):
    """Two posts granted before any answer: after the first answer only the rest is left."""
    reset = int(time.time()) + 60
    assert budget.reserve() is None
    assert budget.reserve() is None  # nothing known yet: granted, but counted
    _x_says(remaining=2, reset=reset)  # the first post landed; the second is in flight
    assert budget.current().remaining == 1
    assert budget.reserve() is None
    assert budget.reserve() == _at(reset + 1)  # three granted: X's limit


def test_a_late_answer_does_not_give_back_posts_already_granted(app):
    """In one window the lower count wins: X's answer to an earlier post cannot raise it."""
    reset = int(time.time()) + 60
    _x_says(remaining=2, reset=reset)
    assert budget.reserve() is None
    assert budget.reserve() is None
    _x_says(remaining=1, reset=reset)  # the answer to the first of the two
    assert budget.current().remaining == 0
    assert budget.reserve() == _at(reset + 1)


def test_a_new_window_counts_its_posts_before_x_answers(app):
    """Once the window has passed, the next window opens counting from X's limit."""
    old_reset = int(time.time()) - 5
    _x_says(remaining=0, reset=old_reset)
    granted = [budget.reserve() for _ in range(4)]
    assert granted[:3] == [None, None, None]
    assert granted[3] is not None  # the fourth waits although X has not answered yet
    _x_says(remaining=2, reset=old_reset)  # an answer from the old window changes nothing
    assert budget.current().remaining == 0


def test_no_post_is_sent_in_the_second_x_rounds_its_reset_down_to(app):
    """X's reset is a whole second: nothing is granted in it, the window reopens after it."""
    while time.time() % 1 > 0.5:  # well inside one second, so `now` stays the current one
        time.sleep(0.05)
    now = int(time.time())
    _x_says(remaining=2, reset=now)
    assert budget.reserve() == _at(now + 1)
