"""Health reports X as last seen by the ingest and the outbox: ok, rate-limited, failing."""

from __future__ import annotations

import pytest

from helpdesk.services import health, x_status
from helpdesk.services.ingest import ingest_mentions
from helpdesk.services.replies import create_reply
from helpdesk.x.errors import XError
from tests.support.app import run_jobs


def test_a_successful_ingest_reports_x_ok(app, x):
    """After an ingest pass that X answered, health says ok with the call and its time."""
    assert health.check()["x_api"] == "unknown"
    x.mention("@acme_help hello")
    ingest_mentions()
    report = health.check()
    assert report["x_api"] == "ok"
    seen = report["x_api_last_seen"]
    assert seen["call"] == "get_users_mentions" and seen["at"].endswith("Z")
    assert seen["since"] is None and seen["reason"] is None


def test_a_rate_limited_ingest_reports_until_when(app, x):
    """A 429 on the mentions read says rate_limited until X's reset."""
    x.mention("@acme_help hello")
    ingest_mentions()  # the brand account is known: the next pass starts with mentions
    x.fault(status=429, count=1, path=f"/2/users/{x.brand_id}/mentions")
    ingest_mentions()
    seen = health.check()["x_api_last_seen"]
    assert seen["state"] == "rate_limited" and seen["until"] and seen["until"].endswith("Z")


def test_failures_report_failing_since_the_first_one_with_the_reason(app, x):
    """Repeated 503s keep the time the failing streak began; an answer clears it."""
    x.mention("@acme_help hello")
    ingest_mentions()
    x.fault(status=503, count=2, path=f"/2/users/{x.brand_id}/mentions")
    for _ in range(2):
        with pytest.raises(XError):
            ingest_mentions()
    seen = health.check()["x_api_last_seen"]
    assert health.check()["x_api"] == "failing"
    assert seen["since"] and seen["since"] <= seen["at"]
    assert "503" in seen["reason"]
    first_since = seen["since"]
    x.fault(status=503, count=1, path=f"/2/users/{x.brand_id}/mentions")
    with pytest.raises(XError):
        ingest_mentions()
    assert health.check()["x_api_last_seen"]["since"] == first_since
    ingest_mentions()
    seen = health.check()["x_api_last_seen"]
    assert (seen["state"], seen["since"], seen["reason"]) == ("ok", None, None)


def test_the_outbox_post_is_the_last_call_seen(app, x, make_employee):
    """A reply posted by the outbox is a real call too: health shows create_tweet ok."""
    x.mention("@acme_help hello")
    ingest_mentions()
    agent = make_employee("0427")
    from helpdesk.extensions import db
    from helpdesk.models import Mention

    mention = db.session.scalars(db.select(Mention)).one()
    x.fault(status=503, count=1, path=f"/2/users/{x.brand_id}/mentions")
    with pytest.raises(XError):
        ingest_mentions()
    assert health.check()["x_api"] == "failing"
    create_reply(mention.id, agent, "Thanks, we are on it.")
    run_jobs(app)
    seen = health.check()["x_api_last_seen"]
    assert (seen["state"], seen["call"]) == ("ok", "create_tweet")


def test_a_refused_reply_is_x_answering_not_x_failing(app):
    """X refusing one request (403, duplicate) is ok; bad credentials (401) are failing."""
    from helpdesk.x.errors import XDuplicateContent, XRejected, XUnavailable

    assert x_status.state_of(XRejected("not allowed to reply", 403)) == "ok"
    assert x_status.state_of(XDuplicateContent("duplicate content", 403)) == "ok"
    assert x_status.state_of(XRejected("Unauthorized", 401)) == "failing"
    assert x_status.state_of(XUnavailable("timeout")) == "failing"


def test_health_falls_back_to_the_last_ingest_run_when_redis_lost_the_record(app, x):
    """With the Redis record flushed, the last ingest run still tells how X answered."""
    x.mention("@acme_help hello")
    ingest_mentions()
    app.extensions["redis"].flushdb()
    report = health.check()
    assert report["x_api"] == "ok" and report["x_api_last_seen"]["call"] == "ingest"
