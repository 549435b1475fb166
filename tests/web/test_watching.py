"""Live presence on a mention: who views it, who types a reply; the poll's ETag and refusals."""

from __future__ import annotations

import time

from helpdesk.services import watching
from helpdesk.services.watching import WatchState
from tests.support.web import csrf_from


def numbers(people) -> list[str]:
    return sorted(w.number for w in people)


def test_heartbeats_do_not_move_the_version_changes_do(app):
    """Arriving, typing, stopping and leaving move the version; a repeated beat does not."""
    now = 1_000_000.0
    assert watching.note(7, "0427", WatchState.VIEWING, at=now) is True
    assert watching.note(7, "0427", WatchState.VIEWING, at=now + 3) is False  # a heartbeat
    assert watching.note(7, "0512", WatchState.TYPING, at=now + 3) is True
    assert watching.note(7, "0512", WatchState.TYPING, at=now + 5) is False  # still typing
    seen = watching.who([7, 8], at=now + 5)
    assert numbers(seen[7]["viewing"]) == ["0427", "0512"]
    assert numbers(seen[7]["typing"]) == ["0512"]
    assert seen[8] == {"viewing": [], "typing": []}
    assert watching.note(7, "0512", WatchState.VIEWING, at=now + 6) is True  # stopped typing
    assert numbers(watching.who([7], at=now + 6)[7]["typing"]) == []
    assert watching.note(7, "0512", WatchState.GONE, at=now + 7) is True
    assert numbers(watching.who([7], at=now + 7)[7]["viewing"]) == ["0427"]
    # Nobody beats for longer than the expiry: gone without a word, and counted as a change
    # by the next write.
    later = now + 3 + watching.VIEW_SECONDS + 1
    assert numbers(watching.who([7], at=later)[7]["viewing"]) == []
    assert watching.note(7, "0600", WatchState.VIEWING, at=later) is True


def test_the_poll_answers_304_until_something_changes(client, make_employee, login, mentions):
    (mention_id,) = mentions("where is my parcel")
    make_employee("0427")
    make_employee("0512")
    login("0427")
    url = f"/inbox/presence?ids={mention_id}"
    first = client.get(url)
    assert first.status_code == 200
    assert first.get_json()["items"] == {str(mention_id): {"viewing": [], "typing": []}}
    tag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": tag})
    if again.status_code == 200:  # the 4 s bucket turned over just then: once, not twice
        tag = again.headers["ETag"]
        again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""
    # A colleague opens the page: the next poll is a full answer naming them.
    watching.note(mention_id, "0512", WatchState.TYPING)
    changed = client.get(url, headers={"If-None-Match": tag})
    assert changed.status_code == 200
    item = changed.get_json()["items"][str(mention_id)]
    assert [w["number"] for w in item["typing"]] == ["0512"]
    assert item["typing"][0]["until"] > time.time()


def test_a_page_reports_viewing_typing_and_gone(client, make_employee, login, mentions):
    (mention_id,) = mentions("where is my parcel")
    make_employee("0427")
    login("0427")
    token = csrf_from(client.get(f"/mentions/{mention_id}").text)
    url = f"/mentions/{mention_id}/presence"
    for state, viewing, typing in (
        ("viewing", ["0427"], []),
        ("typing", ["0427"], ["0427"]),
        ("gone", [], []),
    ):
        assert client.post(url, data={"state": state, "csrf_token": token}).status_code == 204
        seen = watching.who([mention_id])[mention_id]
        assert (numbers(seen["viewing"]), numbers(seen["typing"])) == (viewing, typing)


def test_bad_input_is_refused_not_a_500(client, make_employee, login, mentions):
    (mention_id,) = mentions("where is my parcel")
    make_employee("0427")
    login("0427")
    token = csrf_from(client.get(f"/mentions/{mention_id}").text)
    url = f"/mentions/{mention_id}/presence"
    for state in ("", "sleeping", "VIEWING", "\x00"):
        assert client.post(url, data={"state": state, "csrf_token": token}).status_code == 400
    assert client.post(url, data={"state": "viewing"}).status_code == 400  # no CSRF token
    too_many = ",".join(str(n) for n in range(1, watching.MAX_IDS + 2))
    for ids in ("", ",", "a", "1,b", "-1", "0", "1.5", "99999999999999999999", "١", too_many):
        assert client.get("/inbox/presence", query_string={"ids": ids}).status_code == 400, ids
    assert client.get("/inbox/presence").status_code == 400
    assert client.get("/inbox/presence?ids=1,1,2").status_code == 200  # repeats are harmless


def test_signed_out_readers_get_nothing(client, mentions):
    (mention_id,) = mentions("where is my parcel")
    answer = client.get(f"/inbox/presence?ids={mention_id}")
    assert answer.status_code in (302, 401)
