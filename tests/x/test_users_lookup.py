"""XClient.lookup_users: GET /2/users through real tweepy against the sandbox."""

from __future__ import annotations

import pytest
import requests

from helpdesk.x.errors import XMalformed

pytestmark = pytest.mark.backend_free  # no database, no Redis: one CI pass runs it


def get_users(sandbox, ids: str | None) -> requests.Response:
    """A raw GET /2/users with the app's bearer token."""
    params = {"ids": ids} if ids is not None else {}
    auth = {"Authorization": "Bearer test-bearer"}
    return requests.get(f"{sandbox.url}/2/users", params=params, headers=auth, timeout=5)


def test_found_suspended_and_unknown_users(sandbox):
    """Found users come with their profile; suspended and unknown ids are missing."""
    shown = sandbox.author_of(sandbox.mention("@acme_help hi", username="visible", name="見える？"))
    hidden = sandbox.author_of(
        sandbox.mention("@acme_help hi", username="hidden", author_unavailable=True)
    )
    found = sandbox.helpdesk_client().lookup_users([shown, hidden, 424242])
    assert set(found.users) == {shown}
    assert (found.users[shown].username, found.users[shown].name) == ("visible", "見える？")
    assert found.missing == (hidden, 424242)


def test_only_suspended_users_answer_without_data(sandbox):
    """When no id is found X answers errors only; every id is missing."""
    hidden = sandbox.author_of(
        sandbox.mention("@acme_help hi", username="hidden", author_unavailable=True)
    )
    raw = get_users(sandbox, str(hidden))
    assert "data" not in raw.json() and raw.json()["errors"][0]["resource_id"] == str(hidden)
    found = sandbox.helpdesk_client().lookup_users([hidden])
    assert found.users == {} and found.missing == (hidden,)


@pytest.mark.parametrize("body", ['{"data": {"id": "1"}}', '{"data": [{"id": "x"}]}', "[]"])
def test_a_malformed_answer_is_xmalformed(sandbox, body):
    """An answer without the promised shape raises XMalformed, not a traceback elsewhere."""
    sandbox.fault(path="/2/users", count=1, body=body)
    with pytest.raises(XMalformed):
        sandbox.helpdesk_client().lookup_users([1])


def test_more_than_a_hundred_ids_is_refused_before_calling_x(sandbox):
    """X takes 1 to 100 ids; more is a ValueError for the caller to chunk."""
    with pytest.raises(ValueError, match="1 to 100"):
        sandbox.helpdesk_client().lookup_users(list(range(1, 102)))


def test_the_sandbox_refuses_bad_ids_as_x_does(sandbox):
    """Non-numeric or too many ids are X's 400 Invalid Request."""
    assert get_users(sandbox, "12,abc").status_code == 400
    assert get_users(sandbox, ",".join(["1"] * 101)).status_code == 400
    assert get_users(sandbox, None).status_code == 400
