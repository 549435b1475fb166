"""A Japanese browser reads Flask-Login's prompt and a missing page in Japanese."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_a_japanese_browser_sees_the_sign_in_prompt_and_a_404_in_japanese(browser, live_server):
    """ja-JP: /inbox leads to the sign-in page with the prompt in ja; a bad address is our 404."""
    context = browser.new_context(base_url=live_server, locale="ja-JP")
    try:
        page = context.new_page()
        page.goto("/inbox")
        page.wait_for_url("**/auth/login**")
        body = page.inner_text("body")
        assert "このページを見るにはログインしてください。" in body
        assert "Please log in" not in body
        response = page.goto("/no-such-page")
        assert response is not None and response.status == 404
        body = page.inner_text("body")
        assert "このページはありません" in body and "Not Found" not in body
        assert page.get_attribute("html", "lang") == "ja"
    finally:
        context.close()
