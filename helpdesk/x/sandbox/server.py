"""Serve the X sandbox: a threaded werkzeug server, an optional trickle of mentions."""

from __future__ import annotations

import logging
import random
import signal
import threading
from types import FrameType
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from helpdesk.x.sandbox.app import create_sandbox_app
from helpdesk.x.sandbox.state import SandboxSettings, SandboxState

logger = logging.getLogger(__name__)


class _RequestHandler(WSGIRequestHandler):
    """Sends werkzeug's per-request lines to our logger at DEBUG instead of stderr."""

    def log(self, type: str, message: str, *args: Any) -> None:
        level = logging.DEBUG if type == "info" else logging.WARNING
        logger.log(level, "%s " + message, self.address_string(), *args)


DM_SHARE = 0.25  # of the trickle: a customer's DM instead of a public mention


class Trickle:
    """A background thread adding one realistic mention (or, one time in four, a DM to the
    brand) every ~`seconds` (±40%)."""

    def __init__(self, state: SandboxState, seconds: float, seed: int | None = None) -> None:
        self.state = state
        self.seconds = seconds
        self.rng = random.Random(seed)  # noqa: S311 - realistic data, not security
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="x-sandbox-trickle", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.seconds * self.rng.uniform(0.6, 1.4)):
            if self.rng.random() < DM_SHARE:
                event = self.state.add_random_dm(self.rng)
                logger.info("trickle: DM %s", event.id)
                continue
            tweet = self.state.add_random_mention(self.rng)
            logger.info("trickle: mention %s", tweet.id)


class SandboxServer(ThreadedWSGIServer):
    """The sandbox's HTTP server; `state` is its store and `url` its base URL."""

    state: SandboxState
    trickle: Trickle | None = None

    @property
    def url(self) -> str:
        host = self.server_address[0]
        if host in ("0.0.0.0", "::", ""):  # noqa: S104 - naming the wildcard, not binding it
            host = "127.0.0.1"
        if ":" in str(host):
            host = f"[{host}]"
        return f"http://{host}:{self.server_port}"

    def server_close(self) -> None:
        if self.trickle is not None:
            self.trickle.stop()
        self.state.stopping.set()  # wakes requests stalled by latency faults
        super().server_close()


def make_sandbox_server(
    host: str = "127.0.0.1", port: int = 0, *, state: SandboxState | None = None, **settings: Any
) -> SandboxServer:
    """Bind a threaded sandbox server (port 0 picks a free port); call serve_forever().

    `settings` are SandboxSettings fields; with `trickle_seconds` set, the trickle starts
    now and stops in server_close().
    """
    state = state or SandboxState(SandboxSettings(**settings))
    app = create_sandbox_app(state=state)
    server = SandboxServer(host, port, app, handler=_RequestHandler)
    server.state = state
    if state.settings.trickle_seconds:
        server.trickle = Trickle(state, state.settings.trickle_seconds, state.settings.seed)
        server.trickle.start()
    return server


def run_sandbox(
    host: str = "127.0.0.1",
    port: int = 8090,
    *,
    mentions_window: int = 800,
    rate_limit: int = 300,
    post_limit: int = 100,
    rate_window_seconds: int = 900,
    trickle_seconds: float | None = None,
    seed: int | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Serve the sandbox until SIGINT/SIGTERM (or `stop` is set), then shut down cleanly."""
    server = make_sandbox_server(
        host,
        port,
        mentions_window=mentions_window,
        rate_limit=rate_limit,
        post_limit=post_limit,
        rate_window_seconds=rate_window_seconds,
        trickle_seconds=trickle_seconds,
        seed=seed,
    )
    stop = stop or threading.Event()
    previous = _install_signal_handlers(stop)
    thread = threading.Thread(target=server.serve_forever, name="x-sandbox", daemon=True)
    thread.start()
    brand = server.state.brand
    print(f"X sandbox on {server.url} (brand @{brand.username}, id {brand.id})", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        logger.info("X sandbox stopped")


def _install_signal_handlers(stop: threading.Event) -> dict[int, Any]:
    if threading.current_thread() is not threading.main_thread():
        return {}

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    return {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
