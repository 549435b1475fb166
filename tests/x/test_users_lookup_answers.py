"""XClient.lookup_users over real tweepy: restored users, rate limits, failures, the observer."""

from __future__ import annotations

import pytest

from helpdesk.x.errors import XError, XMalformed, XRateLimited, XUnavailable

pytestmark = pytest.mark.backend_free  # no database, no Redis: one CI pass runs it


def test_a_suspended_user_is_missing_until_restored(sandbox):
    """A suspended author is missing from the lookup, and found with a profile once restored."""
    calls: list[tuple[str, XError | None]] = []
    gone = sandbox.author_of(sandbox.mention("hi", username="gone_a", author_unavailable=True))
    client = sandbox.helpdesk_client(lambda call, error: calls.append((call, error)))
    assert client.lookup_users([gone]).missing == (gone,)
    sandbox.mention("back", username="gone_a", name="戻った人", author_unavailable=False)
    found = client.lookup_users([gone])
    assert found.missing == ()
    account = found.users[gone]
    assert (account.username, account.name) == ("gone_a", "戻った人")
    assert account.profile_image_url and account.profile_image_url.startswith("https://")
    assert isinstance(account.followers_count, int)
    assert calls == [("users/lookup", None), ("users/lookup", None)]


def test_lookups_count_against_the_read_limit(sandbox):
    """GET /2/users is rate limited like every read: past the limit it is XRateLimited."""
    calls: list[tuple[str, XError | None]] = []
    sandbox.configure(rate_limit=1)
    user = sandbox.author_of(sandbox.mention("hi", username="counted"))
    client = sandbox.helpdesk_client(lambda call, error: calls.append((call, error)))
    assert set(client.lookup_users([user]).users) == {user}
    with pytest.raises(XRateLimited) as error:
        client.lookup_users([user])
    assert error.value.reset_at is not None
    assert sandbox.get("/_sandbox/stats").json()["rate_limits"]["GET /2/users"]["used"] == 1
    assert [error is None for _, error in calls] == [True, False]


@pytest.mark.parametrize(
    "body",
    ['{"data": [{"name": "no id"}]}', '{"data": [{"id": 5}]}', "not json", '"users"'],
)
def test_more_malformed_answers_are_xmalformed(sandbox, body):
    """A user without a string id, or an answer that is not a JSON object, is XMalformed."""
    calls: list[tuple[str, XError | None]] = []
    sandbox.fault(path="/2/users", body=body)
    with pytest.raises(XMalformed):
        sandbox.helpdesk_client(lambda call, error: calls.append((call, error))).lookup_users([1])
    assert [(call, type(error)) for call, error in calls] == [("users/lookup", XMalformed)]


def test_a_server_error_is_xunavailable(sandbox):
    """A 5xx from the users lookup is XUnavailable, safe to retry later."""
    sandbox.fault(status=503, path="/2/users")
    with pytest.raises(XUnavailable):
        sandbox.helpdesk_client().lookup_users([1])
