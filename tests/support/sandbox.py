"""A real X sandbox over HTTP on a free loopback port, and helpers for its control routes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
import tweepy

from helpdesk.x.client import CallObserver, XClient
from helpdesk.x.sandbox import BRAND_ID, SandboxServer, SandboxState, make_sandbox_server
from helpdesk.x.transport import attach_transport


@dataclass
class RunningSandbox:
    """A sandbox serving on `url`, with its `state` and helpers for the control routes."""

    url: str
    state: SandboxState
    server: SandboxServer
    brand_id: str = str(BRAND_ID)

    def client(self, timeout: float = 5.0) -> tweepy.Client:
        """A real tweepy Client (app and user credentials) pointed at this sandbox."""
        client = tweepy.Client(
            bearer_token="test-bearer",
            consumer_key="ck",
            consumer_secret="cs",
            access_token="at",
            access_token_secret="ats",
        )
        return attach_transport(client, self.url, timeout)

    def helpdesk_client(self, observer: CallObserver | None = None) -> XClient:
        """The helpdesk's own X client (tweepy underneath) pointed at this sandbox."""
        return XClient(
            bearer_token="test-bearer",
            consumer_key="ck",
            consumer_secret="cs",
            access_token="at",
            access_token_secret="ats",
            base_url=self.url,
            timeout=5,
            observer=observer,
        )

    def author_of(self, tweet_id: str) -> int:
        """The user id of the author of one of the sandbox's tweets."""
        with self.state.lock:
            return self.state.tweets[int(tweet_id)].author_id

    def get(self, path: str, **params: Any) -> requests.Response:
        return requests.get(self.url + path, params=params, timeout=10)

    def post(self, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        return requests.post(self.url + path, json=body or {}, timeout=30)

    def mention(self, text: str, username: str = "hanako_t", **extra: Any) -> str:
        """A customer mentions the brand; returns the new tweet id."""
        body = {"username": username, "name": extra.pop("name", "田中 花子"), "text": text}
        response = self.post("/_sandbox/mentions", {**body, **extra})
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def dm(self, text: str, username: str = "hanako_t", **extra: Any) -> str:
        """A customer DMs the brand; returns the new DM event id."""
        body = {"username": username, "name": extra.pop("name", "田中 花子"), "text": text}
        response = self.post("/_sandbox/dms", {**body, **extra})
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def conversation(self, username: str) -> list[dict[str, Any]]:
        """The brand's DM conversation with @username as the sandbox holds it, oldest first."""
        response = self.get("/_sandbox/dms", **{"with": username})
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def configure(self, **settings: int) -> None:
        response = self.post("/_sandbox/config", settings)
        assert response.status_code == 200, response.text

    def fault(self, **spec: Any) -> None:
        response = self.post("/_sandbox/faults", spec)
        assert response.status_code == 201, response.text


@contextmanager
def serving_sandbox() -> Iterator[RunningSandbox]:
    """An X sandbox on 127.0.0.1 with a free port, served from a thread until the block ends."""
    server = make_sandbox_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield RunningSandbox(url=server.url, state=server.state, server=server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
