"""End to end with real processes: a mention is ingested by an RQ worker process, claimed and
answered over the API, posted by the worker through tweepy, and X holds exactly one reply."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpdesk.queue import enqueue_ingest
from tests.support.waiting import wait_for

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def worker_process(app, environ: dict[str, str]) -> Iterator[subprocess.Popen]:
    """`python -m workers` as its own process, on the test database, Redis and sandbox."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "workers"],
        cwd=ROOT,
        env={**os.environ, **environ},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_a_mention_gets_exactly_one_signed_reply_on_x(app, x, api_as, worker_process):
    """Mention -> worker ingests -> API claim and reply -> worker posts -> one brand reply on X."""
    tweet_id = x.mention("@acme_help 注文番号を教えずに返品できますか?", username="yuki_k")
    api = api_as("0427")
    enqueue_ingest()
    items = wait_for(
        "the worker to ingest the mention", 30, lambda: api.get("/mentions").get_json()["items"]
    )
    mention = items[0]
    assert mention["tweet_id"] == tweet_id
    assert api.post(f"/mentions/{mention['id']}/claim").status_code == 200
    created = api.post(
        f"/mentions/{mention['id']}/replies", {"text": "はい、可能です。DMでご案内します。"}
    )
    assert created.status_code == 202
    reply_id = created.get_json()["reply"]["id"]
    posted = wait_for(
        "the worker to post the reply",
        30,
        lambda: (r := api.get(f"/replies/{reply_id}").get_json())["status"] == "posted" and r,
    )
    brand = x.get("/_sandbox/tweets", author="brand").json()["data"]
    assert len(brand) == 1
    assert brand[0]["in_reply_to_tweet_id"] == tweet_id
    assert brand[0]["text"] == "はい、可能です。DMでご案内します。 ^0427"
    assert posted["x_tweet_id"] == brand[0]["id"]
    assert worker_process.poll() is None, "the worker died"
