"""XClient.lookup_users over real tweepy: restored users, rate limits, failures, the observer."""

from __future__ import annotations

import pytest

from helpdesk.x.client import XClient
from helpdesk.x.errors import XError, XMalformed, XRateLimited, XUnavailable
from tests.x.conftest import RunningSandbox


def make_client(sandbox: RunningSandbox, calls: list[tuple[str, XError | None]]) -> XClient:
    return XClient(
        bearer_token="test-bearer",
        consumer_key="ck",
        consumer_secret="cs",
        access_token="at",
        access_token_secret="ats",
        base_url=sandbox.url,
        timeout=5,
        observer=lambda call, error: calls.append((call, error)),
    )


def author_of(sandbox: RunningSandbox, tweet_id: str) -> int:
    with sandbox.state.lock:
        return sandbox.state.tweets[int(tweet_id)].author_id


def test_a_suspended_user_is_missing_until_restored(sandbox):
    """A suspended author is missing from the lookup, and found with a profile once restored."""
    calls: list[tuple[str, XError | None]] = []
    gone = author_of(sandbox, sandbox.mention("hi", username="gone_a", author_unavailable=True))
    client = make_client(sandbox, calls)
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
    user = author_of(sandbox, sandbox.mention("hi", username="counted"))
    client = make_client(sandbox, calls)
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
        make_client(sandbox, calls).lookup_users([1])
    assert [(call, type(error)) for call, error in calls] == [("users/lookup", XMalformed)]


def test_a_server_error_is_xunavailable(sandbox):
    """A 5xx from the users lookup is XUnavailable, safe to retry later."""
    sandbox.fault(status=503, path="/2/users")
    with pytest.raises(XUnavailable):
        make_client(sandbox, []).lookup_users([1])
