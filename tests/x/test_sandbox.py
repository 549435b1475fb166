"""The X sandbox driven by real tweepy over HTTP, as the helpdesk will drive X."""

from __future__ import annotations

import threading
import time

import pytest
import requests
import tweepy

from helpdesk.x.client import EXPANSIONS, TWEET_FIELDS, USER_FIELDS
from helpdesk.x.sandbox import make_sandbox_server, run_sandbox
from helpdesk.x.transport import BaseURLAdapter

pytestmark = pytest.mark.backend_free  # no database, no Redis: one CI pass runs it

# The fields and expansions the helpdesk's own client asks for.
FIELDS = {"tweet_fields": TWEET_FIELDS, "expansions": EXPANSIONS, "user_fields": USER_FIELDS}
BEARER = {"Authorization": "Bearer test-bearer"}


def walk_mentions(client, brand_id, **params):
    """All pages of a mentions read, following next_token until it is gone."""
    pages = []
    token = None
    while True:
        response = client.get_users_mentions(brand_id, pagination_token=token, **params)
        pages.append(response)
        token = response.meta.get("next_token")
        if token is None:
            return pages


def test_get_me_returns_the_brand(sandbox):
    """get_me with user auth returns the brand's id, name and username."""
    me = sandbox.client().get_me().data
    assert (me.id, me.username, me.name) == (int(sandbox.brand_id), "acme_help", "ACME サポート")


def test_auth_is_required_and_user_routes_refuse_a_bearer(sandbox):
    """No credentials is a 401 problem; a bearer on /2/users/me or POST /2/tweets is a 403."""
    response = requests.get(sandbox.url + f"/2/users/{sandbox.brand_id}/mentions", timeout=5)
    assert response.status_code == 401
    assert response.json()["title"] == "Unauthorized"
    with pytest.raises(tweepy.Forbidden) as error:
        sandbox.client().get_me(user_auth=False)
    assert error.value.response.json()["title"] == "Unsupported Authentication"
    response = requests.post(
        sandbox.url + "/2/tweets", json={"text": "hi"}, headers=BEARER, timeout=5
    )
    assert response.status_code == 403


def test_ids_are_increasing_snowflake_strings(sandbox):
    """Tweet ids are ~19-digit decimal strings that grow with time."""
    ids = [sandbox.mention(f"質問 {i}") for i in range(3)]
    assert all(isinstance(i, str) and i.isdigit() and len(i) >= 18 for i in ids)
    assert [int(i) for i in ids] == sorted(int(i) for i in ids)
    assert len(set(ids)) == 3


def test_mentions_paging_with_since_id_and_pagination_token(sandbox):
    """since_id plus pagination_token walks every newer mention once, newest first."""
    first = sandbox.mention("old one")
    ids = [sandbox.mention(f"order question {i}") for i in range(12)]
    pages = walk_mentions(sandbox.client(), sandbox.brand_id, since_id=first, max_results=5)
    assert [len(p.data) for p in pages] == [5, 5, 2]
    seen = [str(t.id) for p in pages for t in p.data]
    assert seen == ids[::-1]
    assert pages[0].meta["newest_id"] == ids[-1]
    assert pages[-1].meta["oldest_id"] == ids[0]
    assert "next_token" not in pages[-1].meta


def test_empty_page_is_only_meta(sandbox):
    """A read with nothing new answers exactly {"meta": {"result_count": 0}}."""
    newest = sandbox.mention("hello")
    response = requests.get(
        sandbox.url + f"/2/users/{sandbox.brand_id}/mentions",
        params={"since_id": newest},
        headers=BEARER,
        timeout=5,
    )
    assert response.json() == {"meta": {"result_count": 0}}
    empty = sandbox.client().get_users_mentions(sandbox.brand_id, since_id=newest)
    assert empty.data is None
    assert empty.meta == {"result_count": 0}


def test_without_fields_a_tweet_has_only_id_text_and_edit_history(sandbox):
    """No tweet.fields or expansions: id, text, edit_history_tweet_ids and no includes."""
    tweet_id = sandbox.mention("配送状況を教えてください")
    body = requests.get(
        sandbox.url + f"/2/users/{sandbox.brand_id}/mentions", headers=BEARER, timeout=5
    ).json()
    assert body["data"] == [
        {
            "id": tweet_id,
            "text": "@acme_help 配送状況を教えてください",
            "edit_history_tweet_ids": [tweet_id],
        }
    ]
    assert "includes" not in body


def test_fields_and_expansions_add_what_was_asked(sandbox):
    """Requested tweet.fields, user.fields and expansions appear with X's shapes."""
    tweet_id = sandbox.mention("注文番号A-2026-0012345はいつ届きますか", name="田中 花子")
    response = sandbox.client().get_users_mentions(sandbox.brand_id, **FIELDS)
    tweet = response.data[0]
    assert str(tweet.id) == tweet_id
    assert tweet.data["created_at"].endswith("Z") and len(tweet.data["created_at"]) == 24
    assert str(tweet.conversation_id) == tweet_id
    assert tweet.lang == "ja"
    assert tweet.entities["mentions"] == [
        {"start": 0, "end": 10, "username": "acme_help", "id": sandbox.brand_id}
    ]
    user = response.includes["users"][0]
    assert (str(user.id), user.username, user.name) == (
        str(tweet.author_id),
        "hanako_t",
        "田中 花子",
    )
    assert set(user.public_metrics) >= {"followers_count", "following_count", "tweet_count"}
    assert user.profile_image_url.startswith("https://")


def test_max_results_out_of_range_is_bad_request(sandbox):
    """max_results=1 raises tweepy.BadRequest with X's invalid-request body."""
    with pytest.raises(tweepy.BadRequest) as error:
        sandbox.client().get_users_mentions(sandbox.brand_id, max_results=1)
    assert error.value.response.json() == {
        "errors": [
            {
                "parameters": {"max_results": ["1"]},
                "message": "The `max_results` query parameter value [1] is not between 5 and 100",
            }
        ],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }


def test_bad_pagination_token_is_bad_request(sandbox):
    """A pagination_token the sandbox did not issue is a 400."""
    with pytest.raises(tweepy.BadRequest):
        sandbox.client().get_users_mentions(sandbox.brand_id, pagination_token="nonsense")


def test_unknown_user_timeline_answers_not_found_errors(sandbox):
    """Mentions of a user id that does not exist: 200 with a resource-not-found error only."""
    response = sandbox.client().get_users_mentions(123456789)
    assert response.data is None
    assert response.errors[0]["title"] == "Not Found Error"
    assert response.errors[0]["resource_id"] == "123456789"


def test_window_clamps_old_since_id_silently(sandbox):
    """Only the newest mentions_window mentions are visible, whatever since_id says."""
    sandbox.configure(mentions_window=5)
    first = sandbox.mention("before the outage")
    ids = [sandbox.mention(f"during the outage {i}") for i in range(8)]
    pages = walk_mentions(sandbox.client(), sandbox.brand_id, since_id=first, max_results=100)
    assert [str(t.id) for p in pages for t in p.data] == ids[:-6:-1]


def test_search_recent_reaches_past_the_window(sandbox):
    """search_recent_tweets(query="@acme_help") returns mentions the window hides."""
    sandbox.configure(mentions_window=5)
    first = sandbox.mention("before the outage")
    ids = [sandbox.mention(f"during the outage {i}") for i in range(8)]
    client = sandbox.client()
    found, token = [], None
    while True:
        page = client.search_recent_tweets(
            "@acme_help", since_id=first, max_results=10, next_token=token, **FIELDS
        )
        found += [str(t.id) for t in page.data]
        token = page.meta.get("next_token")
        if token is None:
            break
    assert found == ids[::-1]


def test_search_max_results_below_ten_is_bad_request(sandbox):
    """Recent search takes max_results 10..100."""
    with pytest.raises(tweepy.BadRequest):
        sandbox.client().search_recent_tweets("@acme_help", max_results=5)


def test_unavailable_author_gives_partial_errors(sandbox):
    """A mention whose author cannot be hydrated is served, with an errors[] entry instead."""
    tweet_id = sandbox.mention("suspended soon", username="gone_user", author_unavailable=True)
    sandbox.mention("still here", username="kept_user")
    response = sandbox.client().get_users_mentions(sandbox.brand_id, **FIELDS)
    assert tweet_id in [str(t.id) for t in response.data]
    usernames = {u.username for u in response.includes["users"]}
    assert usernames == {"kept_user"}
    gone_id = next(str(t.author_id) for t in response.data if str(t.id) == tweet_id)
    assert response.errors == [
        {
            "value": gone_id,
            "detail": f"Could not find user with id: [{gone_id}].",
            "title": "Not Found Error",
            "resource_type": "user",
            "parameter": "author_id",
            "resource_id": gone_id,
            "type": "https://api.twitter.com/2/problems/resource-not-found",
        }
    ]


def test_replies_retweets_and_quotes_carry_referenced_tweets(sandbox):
    """in_reply_to, retweet_of and quote_of produce replied_to, retweeted and quoted refs."""
    root = sandbox.mention("修理について質問です", username="taro_99")
    reply = sandbox.mention("追記です", username="taro_99", in_reply_to_tweet_id=root)
    retweet = sandbox.mention("", username="emma_k", retweet_of=root)
    quote = sandbox.mention("me too", username="liam_p", quote_of=root)
    response = sandbox.client().get_users_mentions(sandbox.brand_id, **FIELDS)
    by_id = {str(t.id): t for t in response.data}
    assert by_id[reply].referenced_tweets[0].type == "replied_to"
    assert str(by_id[reply].conversation_id) == root
    assert str(by_id[reply].in_reply_to_user_id) == str(by_id[root].author_id)
    assert by_id[retweet].text == "RT @taro_99: @acme_help 修理について質問です"
    assert by_id[retweet].referenced_tweets[0].type == "retweeted"
    assert by_id[quote].referenced_tweets[0].type == "quoted"
    assert root in {str(t.id) for t in response.includes["tweets"]}


def test_create_reply_then_brand_tweets_lists_it(sandbox):
    """create_tweet replying to a mention answers 201 data and shows in /_sandbox/tweets."""
    mention = sandbox.mention("返品の方法を教えてください")
    client = sandbox.client()
    created = client.create_tweet(text="DMでご案内します ^0101", in_reply_to_tweet_id=mention)
    assert created.data["text"] == "DMでご案内します ^0101"
    assert created.data["edit_history_tweet_ids"] == [created.data["id"]]
    listed = sandbox.get("/_sandbox/tweets", author="brand").json()["data"]
    assert [(t["id"], t["in_reply_to_tweet_id"]) for t in listed] == [(created.data["id"], mention)]
    assert listed[0]["created_at"].endswith("Z")
    own = client.get_users_tweets(sandbox.brand_id, tweet_fields=["conversation_id"])
    assert [str(t.id) for t in own.data] == [created.data["id"]]
    assert str(own.data[0].conversation_id) == mention


def test_duplicate_text_is_forbidden(sandbox):
    """Posting the brand's earlier text again is a 403 with X's duplicate-content detail."""
    client = sandbox.client()
    client.create_tweet(text="ありがとうございます", in_reply_to_tweet_id=sandbox.mention("a"))
    with pytest.raises(tweepy.Forbidden) as error:
        client.create_tweet(text="ありがとうございます", in_reply_to_tweet_id=sandbox.mention("b"))
    assert error.value.api_messages == [
        "You are not allowed to create a Tweet with duplicate content."
    ]
    assert sandbox.get("/_sandbox/stats").json()["brand_posts"] == 1


def test_reply_to_a_post_that_did_not_mention_the_brand_is_forbidden(sandbox):
    """Replying to a customer post without a brand mention is X's reply-restriction 403."""
    other = sandbox.post(
        "/_sandbox/tweets", {"username": "stranger", "name": "S", "text": "nice weather"}
    ).json()["id"]
    with pytest.raises(tweepy.Forbidden) as error:
        sandbox.client().create_tweet(text="hello", in_reply_to_tweet_id=other)
    assert error.value.response.json() == {
        "detail": "Reply to this conversation is not allowed because you have not been "
        "mentioned or otherwise engaged by the author of the post you are replying to.",
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
    }


def test_too_long_and_unknown_parent_are_bad_requests(sandbox):
    """Over 280 weighted characters, or a reply to an unknown id, is a 400 and posts nothing."""
    client = sandbox.client()
    with pytest.raises(tweepy.BadRequest):
        client.create_tweet(text="あ" * 141, in_reply_to_tweet_id=sandbox.mention("q"))
    client.create_tweet(text="あ" * 140, in_reply_to_tweet_id=sandbox.mention("r"))
    with pytest.raises(tweepy.BadRequest):
        client.create_tweet(text="hi", in_reply_to_tweet_id="1234567890123456789")
    assert sandbox.get("/_sandbox/stats").json()["brand_posts"] == 1


def test_rate_limit_headers_on_every_x_route(sandbox):
    """X routes answer x-rate-limit-limit/remaining/reset; posts add the 24-hour headers."""
    client = sandbox.client()
    response = requests.get(
        sandbox.url + f"/2/users/{sandbox.brand_id}/mentions", headers=BEARER, timeout=5
    )
    assert response.headers["x-rate-limit-limit"] == "300"
    assert response.headers["x-rate-limit-remaining"] == "299"
    assert int(response.headers["x-rate-limit-reset"]) > time.time()
    client.return_type = requests.Response
    posted = client.create_tweet(text="hello", in_reply_to_tweet_id=sandbox.mention("x"))
    assert posted.status_code == 201
    assert posted.headers["x-rate-limit-limit"] == "100"
    assert posted.headers["x-user-limit-24hour-remaining"] == "9999"


def test_over_the_read_limit_is_429_with_reset_time(sandbox):
    """Past rate_limit reads in a window, tweepy raises TooManyRequests with reset_time."""
    sandbox.configure(rate_limit=2)
    client = sandbox.client()
    client.get_users_mentions(sandbox.brand_id)
    client.get_users_mentions(sandbox.brand_id)
    with pytest.raises(tweepy.TooManyRequests) as error:
        client.get_users_mentions(sandbox.brand_id)
    assert error.value.reset_time > time.time()
    assert error.value.response.headers["x-rate-limit-remaining"] == "0"
    assert error.value.response.json() == {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }


def test_post_limit_429_creates_nothing(sandbox):
    """Posts past post_limit are refused with 429 and never created."""
    sandbox.configure(post_limit=2)
    client = sandbox.client()
    for i in range(2):
        client.create_tweet(text=f"reply {i}", in_reply_to_tweet_id=sandbox.mention(f"m{i}"))
    with pytest.raises(tweepy.TooManyRequests):
        client.create_tweet(text="reply 2", in_reply_to_tweet_id=sandbox.mention("m2"))
    stats = sandbox.get("/_sandbox/stats").json()
    assert stats["brand_posts"] == 2
    assert stats["rate_limits"]["POST /2/tweets"]["peak_used"] == 2
    assert stats["rate_limited"] == 1


def test_server_error_fault_raises_twitter_server_error(sandbox):
    """A 503 fault on the mentions path surfaces as tweepy.TwitterServerError, once."""
    sandbox.fault(status=503, count=1, path="/2/users/*/mentions")
    client = sandbox.client()
    with pytest.raises(tweepy.TwitterServerError) as error:
        client.get_users_mentions(sandbox.brand_id)
    assert error.value.response.json()["title"] == "Service Unavailable"
    assert client.get_users_mentions(sandbox.brand_id).meta == {"result_count": 0}
    assert sandbox.get("/_sandbox/faults").json() == {"data": []}


def test_fault_429_carries_rate_headers(sandbox):
    """A 429 fault answers like a real rate limit: body, remaining 0 and a reset time."""
    sandbox.fault(status=429, method="GET")
    with pytest.raises(tweepy.TooManyRequests) as error:
        sandbox.client().get_users_mentions(sandbox.brand_id)
    assert error.value.reset_time is not None


def test_after_commit_drop_creates_the_post_and_loses_the_answer(sandbox):
    """after_commit with status 0: the post exists but the client sees a ConnectionError."""
    mention = sandbox.mention("電話が繋がりません")
    sandbox.fault(status=0, path="/2/tweets", method="POST", after_commit=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        sandbox.client().create_tweet(text="ご不便をおかけしています", in_reply_to_tweet_id=mention)
    listed = sandbox.get("/_sandbox/tweets", author="brand").json()["data"]
    assert [t["text"] for t in listed] == ["ご不便をおかけしています"]


def test_drop_before_commit_creates_nothing(sandbox):
    """status 0 without after_commit drops the connection before the post is made."""
    mention = sandbox.mention("hello?")
    sandbox.fault(status=0, path="/2/tweets")
    with pytest.raises(requests.exceptions.ConnectionError):
        sandbox.client().create_tweet(text="hi", in_reply_to_tweet_id=mention)
    assert sandbox.get("/_sandbox/tweets", author="brand").json() == {"data": []}


def test_latency_fault_trips_the_client_timeout(sandbox):
    """A stall longer than the transport's timeout raises requests' Timeout."""
    sandbox.fault(latency_ms=3000, path="/2/users/*/mentions")
    client = sandbox.client(timeout=0.2)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        client.get_users_mentions(sandbox.brand_id)
    assert time.monotonic() - started < 2.5  # gave up, rather than waiting out the stall


def test_latency_without_status_answers_normally(sandbox):
    """A latency-only fault stalls, then answers as usual."""
    sandbox.fault(latency_ms=100)
    started = time.monotonic()
    assert sandbox.client().get_me().data.username == "acme_help"
    assert time.monotonic() - started >= 0.1


def test_hostile_text_round_trips_verbatim(sandbox):
    """Customer and brand text come back byte for byte through our X boundary, never
    interpreted; on the wire only &, < and > are escaped, as X does."""
    hostile = (
        '@acme_help <script>alert("x")</script> &amp; {{7*7}} {0} %s \\n\\u0000 '
        "'; DROP TABLE mentions; -- \u202egnp.exe \x00 ｱｲｳ 👨‍👩‍👧‍👦\r\nnext"
    )
    tweet_id = sandbox.mention(hostile)
    data = sandbox.client().get_users_mentions(sandbox.brand_id).data
    escaped = hostile.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert [(str(t.id), t.text) for t in data] == [(tweet_id, escaped)]
    page = sandbox.helpdesk_client().mentions_page(int(sandbox.brand_id))
    stored = hostile.replace("\x00", "\ufffd")  # NUL cannot be stored (see parse.storable)
    assert [(t.id, t.text) for t in page.tweets] == [(int(tweet_id), stored)]
    reply = '<b>"quoted"</b> & \\ {name}'
    sandbox.client().create_tweet(text=reply, in_reply_to_tweet_id=tweet_id)
    assert sandbox.get("/_sandbox/tweets", author="brand").json()["data"][0]["text"] == reply


def test_bulk_is_deterministic_per_seed_and_bilingual(sandbox):
    """Bulk mentions with one seed repeat the same people and texts, Japanese and English."""

    def bulk_texts(seed):
        sandbox.post("/_sandbox/reset")
        answer = sandbox.post("/_sandbox/mentions/bulk", {"count": 300, "seed": seed}).json()
        assert answer["count"] == 300
        state = sandbox.state
        return [
            (state.users[state.tweets[i].author_id].username, state.tweets[i].text)
            for i in state.mention_ids
        ]

    first, again, other = bulk_texts(7), bulk_texts(7), bulk_texts(8)
    assert first == again
    assert first != other
    langs = {sandbox.state.tweets[i].lang for i in sandbox.state.mention_ids}
    assert {"ja", "en"} <= langs


def test_bulk_mentions_land_with_the_newest_readable(sandbox):
    """Ten thousand bulk mentions land in one request, the newest readable through X's API
    (how fast is a benchmark's business: benchmarks/ingest_sandbox.py seeds this way)."""
    answer = sandbox.post("/_sandbox/mentions/bulk", {"count": 10_000, "seed": 1}).json()
    newest = sandbox.client().get_users_mentions(sandbox.brand_id, max_results=5)
    assert newest.meta["newest_id"] == answer["newest_id"]
    assert int(answer["oldest_id"]) < int(answer["newest_id"])


def test_control_routes_validate_input(sandbox):
    """Bad control input is a 400 JSON error, not a crash."""
    assert sandbox.post("/_sandbox/mentions", {"username": "bad name!", "text": "x"}).status_code
    bad = sandbox.post("/_sandbox/mentions", {"username": "ok", "text": 5})
    assert bad.status_code == 400 and "error" in bad.json()
    assert sandbox.post("/_sandbox/mentions/bulk", {"count": 10**7}).status_code == 400
    assert sandbox.post("/_sandbox/faults", {"count": 1}).status_code == 400
    assert sandbox.post("/_sandbox/config", {"rate_limit": 0}).status_code == 400


def test_reset_empties_state_but_keeps_the_brand(sandbox):
    """POST /_sandbox/reset forgets mentions, posts and counters; get_me still works."""
    sandbox.mention("x")
    sandbox.post("/_sandbox/reset")
    stats = sandbox.get("/_sandbox/stats").json()
    assert (stats["mentions"], stats["brand_posts"], stats["requests"]) == (0, 0, {})
    assert sandbox.client().get_me().data.username == "acme_help"


def test_trickle_adds_mentions_in_the_background():
    """With trickle_seconds set, the server adds realistic mentions on its own."""
    server = make_sandbox_server(trickle_seconds=0.02, seed=3)
    try:
        deadline = time.monotonic() + 2
        while len(server.state.mention_ids) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(server.state.mention_ids) >= 3
    finally:
        server.server_close()


def test_run_sandbox_stops_cleanly_when_asked():
    """run_sandbox blocks while serving and returns once its stop event is set."""
    stop = threading.Event()
    runner = threading.Thread(target=run_sandbox, args=("127.0.0.1", 0), kwargs={"stop": stop})
    runner.start()
    time.sleep(0.1)
    assert runner.is_alive()
    stop.set()
    runner.join(timeout=5)
    assert not runner.is_alive()


def test_transport_rewrites_only_the_x_host():
    """BaseURLAdapter maps https://api.twitter.com/... to the base URL and nothing else."""
    adapter = BaseURLAdapter(base_url="http://127.0.0.1:8090/", timeout=3)
    assert adapter.rewrite_url("https://api.twitter.com/2/tweets?x=1") == (
        "http://127.0.0.1:8090/2/tweets?x=1"
    )
    assert adapter.rewrite_url("https://example.com/2/tweets") == "https://example.com/2/tweets"
    assert BaseURLAdapter(None, 3).rewrite_url("https://api.twitter.com/2/x") == (
        "https://api.twitter.com/2/x"
    )
    assert adapter.timeout == (3.0, 3.0)


def test_concurrent_posts_never_exceed_the_post_limit(sandbox):
    """Posts racing from many threads never create more than post_limit in a window."""
    sandbox.configure(post_limit=5)
    mentions = [sandbox.mention(f"急ぎです {i}") for i in range(16)]
    outcomes = []

    def post(i):
        try:
            sandbox.client().create_tweet(text=f"返信 {i}", in_reply_to_tweet_id=mentions[i])
            outcomes.append("created")
        except tweepy.TooManyRequests:
            outcomes.append("429")

    threads = [threading.Thread(target=post, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(outcomes) == ["429"] * 11 + ["created"] * 5
    assert sandbox.get("/_sandbox/stats").json()["brand_posts"] == 5


def test_advancing_the_clock_opens_a_new_rate_window(sandbox):
    """After rate_window_seconds pass on the sandbox clock, the limit is available again."""
    sandbox.configure(rate_limit=1)
    client = sandbox.client()
    client.get_users_mentions(sandbox.brand_id)
    with pytest.raises(tweepy.TooManyRequests):
        client.get_users_mentions(sandbox.brand_id)
    sandbox.post("/_sandbox/clock", {"advance_seconds": 901})
    assert client.get_users_mentions(sandbox.brand_id).meta == {"result_count": 0}


DONE_WHEN = "Q&A <重要> https://example.com/a?b=1&c=2"


def _served_as_x_does(tweet: dict) -> None:
    text = tweet["text"]
    assert "Q&amp;A &lt;重要&gt; https://t.co/" in text and "example.com" not in text
    (link,) = tweet["entities"]["urls"]
    assert text[link["start"] : link["end"]] == link["url"]
    assert link["expanded_url"] == "https://example.com/a?b=1&c=2"
    assert link["display_url"] == "example.com/a?b=1&c=2"


def test_every_read_escapes_exactly_three_characters_and_wraps_links_in_t_co(sandbox):
    """Mentions, search and the brand's timeline serve &, <, > escaped (a typed &amp; as
    &amp;amp;) and each URL as the same t.co link with its entities.urls entry."""
    mention = sandbox.mention(DONE_WHEN + " &amp; 'quotes' \"too\"")
    client = sandbox.client()
    created = client.create_tweet(text=DONE_WHEN, in_reply_to_tweet_id=mention)
    assert created.data["text"].startswith("Q&amp;A &lt;重要&gt; https://t.co/")
    fields = {"tweet_fields": ["entities"], "user_auth": True}
    mentions = client.get_users_mentions(sandbox.brand_id, **fields).data
    found = client.search_recent_tweets('"重要"', **fields).data
    own = client.get_users_tweets(sandbox.brand_id, **fields).data
    assert mentions[0].text.endswith(" &amp;amp; 'quotes' \"too\"")
    for tweet in (mentions[0], found[0], found[1], own[0]):
        _served_as_x_does(tweet.data)
    assert own[0].text == created.data["text"]
    assert mentions[0].data["entities"]["urls"] == found[-1].data["entities"]["urls"]
    assert sandbox.get("/_sandbox/tweets", author="brand").json()["data"][0]["text"] == DONE_WHEN
