"""Tags in the browser's pages: the mention page's form, inbox rows, the inbox's tag filter and
the live rows fragment (its ETag differs per filter), in English and Japanese."""

from __future__ import annotations

import re

from helpdesk.services import tagging
from tests.support.routing import make_tags
from tests.support.web import post_form

JA = {"Accept-Language": "ja"}
EN = {"Accept-Language": "en"}


def _choices(html: str) -> list[tuple[str, bool]]:
    """The form's tags in order, each with whether it is marked suggested."""
    found = re.findall(r'data-testid="tag-choice" data-tag="([^"]+)">(.*?)</label>', html, re.S)
    return [(name, 'data-testid="suggested"' in body) for name, body in found]


def test_the_mention_page_offers_the_desks_tags_with_suggested_ones_first(
    client, login, make_employee, mentions
):
    """Suggested tags (named in the text) come first and are marked; ticking saves them."""
    (mention_id,) = mentions("@acme_help 配送が遅れています、返品もしたい")
    make_tags("PC", "カメラ", "返品", "配送")
    make_employee("0427")
    login("0427")
    page = f"/mentions/{mention_id}"
    html = client.get(page, headers=EN).text
    assert _choices(html) == [("返品", True), ("配送", True), ("PC", False), ("カメラ", False)]
    assert "No tags yet." in html
    saved = post_form(client, f"{page}/tags", {"tags": ["配送", "PC"]}, page=page)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#tags")
    html = client.get(page, headers=JA).text
    assert re.findall(r'data-testid="mention-tag">([^<]+)<', html) == ["PC", "配送"]
    assert "おすすめ" in html and "タグを保存" in html
    assert 'value="PC" checked' in html and 'value="カメラ">' in html
    cleared = post_form(client, f"{page}/tags", {}, page=page)
    assert cleared.status_code == 302 and tagging.tags_by_mention([mention_id])[mention_id] == []


def test_bad_tags_are_refused_with_the_known_ones_in_both_languages(
    client, login, make_employee, mentions
):
    """An unknown name: 422 listing the desk's tags; a missing CSRF token: 400; nothing saved."""
    (mention_id,) = mentions("@acme_help hi")
    make_tags("配送")
    make_employee("0427")
    login("0427")
    page = f"/mentions/{mention_id}"
    refused = post_form(client, f"{page}/tags", {"tags": ["配送", "<b>x</b>"]}, page=page)
    assert refused.status_code == 422
    assert "Unknown tags: &lt;b&gt;x&lt;/b&gt;. The desk&#39;s tags are: 配送." in refused.text
    assert 'value="配送" checked' in refused.text  # what was asked stays ticked
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text).group(1)
    ja = client.post(f"{page}/tags", data={"tags": ["カメラ"], "csrf_token": token}, headers=JA)
    assert ja.status_code == 422 and "不明なタグ" in ja.text
    assert client.post(f"{page}/tags", data={"tags": ["配送"]}).status_code == 400
    assert tagging.tags_by_mention([mention_id])[mention_id] == []


def test_a_trainee_sees_no_form_until_they_hold_the_mention(client, login, make_employee, mentions):
    """A trainee without the claim: a hint instead of the form, and a POST is 403."""
    (mention_id,) = mentions("@acme_help hi")
    make_tags("配送")
    make_employee("0201", "trainee")
    login("0201")
    page = f"/mentions/{mention_id}"
    html = client.get(page, headers=EN).text
    assert 'id="tags-form"' not in html and "Claim this mention to set its tags." in html
    refused = post_form(client, f"{page}/tags", {"tags": ["配送"]}, page=page)
    assert refused.status_code == 403 and "claim it first" in refused.text


def test_inbox_rows_show_tags_and_the_filter_lists_only_tagged_ones(
    client, login, make_employee, mentions
):
    """Rows carry their tags; ?tag= keeps only mentions with it; an unknown tag says so (422)."""
    first, second = mentions("@acme_help 一つ目", "@acme_help 二つ目")
    make_tags("配送", "返品")
    agent = make_employee("0427")
    tagging.set_mention_tags(first, ["配送"], agent)
    login("0427")
    html = client.get("/inbox", headers=EN).text
    assert re.findall(r'data-testid="row-tag">([^<]+)<', html) == ["配送"]
    assert 'id="tag-select"' in html and "All tags" in html
    filtered = client.get("/inbox?tag=配送", headers=JA).text
    assert f'data-mention-id="{first}"' in filtered
    assert f'data-mention-id="{second}"' not in filtered
    assert '<option value="配送" selected>' in filtered and "すべてのタグ" in filtered
    unknown = client.get("/inbox?tag=カメラ", headers=EN)
    assert unknown.status_code == 422 and "The desk&#39;s tags are: 返品, 配送." in unknown.text
    assert f'data-mention-id="{second}"' in unknown.text  # listed without the filter


def test_the_live_rows_honour_the_tag_and_their_etag_differs_per_filter(
    client, login, make_employee, mentions
):
    """/inbox/live?tag= sends only tagged rows; another filter gets another ETag."""
    first, second = mentions("@acme_help 一つ目", "@acme_help 二つ目")
    make_tags("配送", "返品")
    agent = make_employee("0427")
    tagging.set_mention_tags(first, ["配送"], agent)
    login("0427")
    tagged = client.get("/inbox/live?tag=配送")
    plain = client.get("/inbox/live")
    other = client.get("/inbox/live?tag=返品")
    assert tagged.headers["X-Inbox-Rows"] == "1" and other.headers["X-Inbox-Rows"] == "0"
    assert f'data-mention-id="{first}"' in tagged.text and "配送" in tagged.text
    assert len({tagged.headers["ETag"], plain.headers["ETag"], other.headers["ETag"]}) == 3
    same = client.get("/inbox/live?tag=配送", headers={"If-None-Match": tagged.headers["ETag"]})
    assert same.status_code == 304
    tagging.set_mention_tags(second, ["配送"], agent)  # a change: the ETag moves on
    moved = client.get("/inbox/live?tag=配送", headers={"If-None-Match": tagged.headers["ETag"]})
    assert moved.status_code == 200 and moved.headers["X-Inbox-Rows"] == "2"
    assert client.get("/inbox/live?tag=カメラ").status_code == 422


def test_coverage_and_listening_break_down_by_tag_on_the_pages_and_the_api(
    client, supervisor, make_employee, mentions, api_as
):
    """A mention with two tags counts under each: the coverage page says so (both languages),
    listening lists the volume per tag, and the JSON answers carry `by_tag`."""
    first, second, third = mentions("@acme_help 一", "@acme_help 二", "@acme_help 三")
    make_tags("配送", "返品")
    agent = make_employee("0427")
    tagging.set_mention_tags(first, ["配送", "返品"], agent)
    tagging.set_mention_tags(second, ["配送"], agent)
    html = client.get("/supervise/coverage?period=7d", headers=EN).text
    rows = re.findall(r'<tr data-tag="([^"]+)">.*?data-tag-figure="total">(\d+)<', html)
    assert rows == [("配送", "2"), ("返品", "1")]
    assert "A mention with two tags counts under each" in html
    ja = client.get("/supervise/coverage?period=7d", headers=JA).text
    assert "タグ別" in ja and "2つのタグ" in ja
    listened = client.get("/supervise/listening?period=7d", headers=JA).text
    assert re.findall(r'<tr data-tag="([^"]+)">.*?data-tag-figure="mentions">(\d+)<', listened) == [
        ("配送", "2"),
        ("返品", "1"),
    ]
    boss = api_as("0003", "supervisor")
    by_tag = boss.get("/coverage").get_json()["by_tag"]
    assert [(row["tag"], row["total"], row["open"]) for row in by_tag] == [
        ("配送", 2, 2),
        ("返品", 1, 1),
    ]
    volumes = boss.get("/listening").get_json()["by_tag"]
    assert volumes == [
        {"tag": "配送", "mentions": 2, "share": 0.6667},
        {"tag": "返品", "mentions": 1, "share": 0.3333},
    ]
