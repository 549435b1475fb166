"""Browser fixtures: the session's app served on a free port, and the system's Chromium.

Playwright drives /usr/bin/chromium (or HELPDESK_CHROMIUM); it never downloads a browser.
A missing Chromium fails these tests with a clear message: they never skip.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.support.app import PASSWORD
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="session")
def live_server(session_app: Flask) -> Iterator[str]:
    """The session's app served over HTTP by werkzeug in a thread; yields its base URL."""
    session_app.config["HELPDESK_POLL_MS"] = 500  # the pages' polls, fast enough for a test
    server = make_server("127.0.0.1", 0, session_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """The system's Chromium, headless, through Playwright's sync API."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install it (Debian: apt-get install chromium) "
            "or set HELPDESK_CHROMIUM to its path. Browser tests never skip.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def signed_in(app: Flask, browser, live_server: str):
    """Open a new browser context and sign in: signed_in("0427", locale="en-US") -> page.

    Each page collects its JS dialogs and console errors in page.dialogs / page.errors.
    """
    contexts = []

    def open_page(number: str, locale: str = "en-US"):
        context = browser.new_context(
            base_url=live_server, locale=locale, viewport={"width": 1280, "height": 860}
        )
        contexts.append(context)
        page = context.new_page()
        page.dialogs, page.errors = [], []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on(
            "console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None
        )
        page.set_default_timeout(10_000)
        page.goto("/auth/login")
        page.fill("#number", number)
        page.fill("#password", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url("**/inbox")
        return page

    yield open_page
    for context in contexts:
        context.close()
