"""The checker itself: fabricated histories and states that break each invariant are caught."""

from __future__ import annotations

from tests.chaos.checker import (
    Observed,
    StoredMention,
    StoredReply,
    XMention,
    XPost,
    check,
)
from tests.chaos.history import History

TEXT = "注文した商品が届きません？ e\u0301 \r\n"


def healthy() -> tuple[History, Observed]:
    """One mention, stored exactly, answered by one reply posted once within the bound."""
    history = History()
    history.add("fault", "kill_worker", result={"worker": "worker-1"})
    history.add(
        "op", "reply", {"as": "0101"}, {"status": 202, "reply_id": 1, "reply_status": "queued"}
    )
    seen = Observed(
        x_mentions=[XMention(100, TEXT, "hanako", "田中 花子")],
        brand_posts=[XPost(900, "Thanks ^0101", 100)],
        mentions=[StoredMention(1, 100, TEXT, "hanako", "田中 花子", "answered")],
        replies=[StoredReply(1, 1, 100, "Thanks ^0101", "posted", 900, None)],
        settled_after={1: 4.0},
        bound_seconds=70,
    )
    return history, seen


def test_a_healthy_run_passes() -> None:
    """The baseline state breaks nothing, and the fault and operation are counted."""
    report = check(*healthy())
    assert report.ok, report.problems
    assert report.faults == {"kill_worker": 1}
    assert report.operations == 1


def test_a_duplicate_post_is_reported() -> None:
    """A second brand post with the reply's text to the same mention counts as duplicated."""
    history, seen = healthy()
    seen.brand_posts.append(XPost(901, "Thanks ^0101", 100))
    report = check(history, seen)
    assert report.duplicated == 1 and not report.ok


def test_a_lost_mention_is_reported() -> None:
    """A mention on X the desk never stored counts as lost."""
    history, seen = healthy()
    seen.x_mentions.append(XMention(101, "hello", "taro", "Taro"))
    report = check(history, seen)
    assert report.lost == 1 and not report.ok


def test_an_altered_text_is_reported() -> None:
    """A stored text that differs in one byte (NFC-folded here) counts as altered."""
    history, seen = healthy()
    seen.mentions[0] = StoredMention(
        1, 100, TEXT.replace("e\u0301", "é"), "hanako", "田中 花子", "answered"
    )
    report = check(history, seen)
    assert report.altered == 1 and not report.ok


def test_an_altered_author_name_is_reported() -> None:
    """A display name stored with trailing spaces trimmed counts as altered."""
    history, seen = healthy()
    seen.x_mentions[0] = XMention(100, TEXT, "hanako", "田中 花子  ")
    assert check(history, seen).altered == 1


def test_an_accepted_reply_without_a_row_is_lost() -> None:
    """A reply the API accepted (202) that has no row counts as lost."""
    history, seen = healthy()
    history.add("op", "reply", {}, {"status": 202, "reply_id": 7, "reply_status": "queued"})
    assert check(history, seen).lost == 1


def test_a_reply_settled_after_the_bound_is_unsettled() -> None:
    """Posted, but later than the bound after the heal: unsettled."""
    history, seen = healthy()
    seen.settled_after[1] = 71.0
    assert check(history, seen).unsettled == 1


def test_a_reply_still_queued_is_unsettled_and_lost() -> None:
    """Still queued after the quiet period and not on X: both unsettled and lost."""
    history, seen = healthy()
    seen.brand_posts.clear()
    seen.replies[0] = StoredReply(1, 1, 100, "Thanks ^0101", "queued", None, None)
    seen.settled_after[1] = None
    report = check(history, seen)
    assert (report.unsettled, report.lost) == (1, 1)


def test_a_failed_reply_without_an_error_is_unsettled() -> None:
    """`failed` must carry a reason for supervisors; and its mention must be open again."""
    history, seen = healthy()
    seen.brand_posts.clear()
    seen.replies[0] = StoredReply(1, 1, 100, "Thanks ^0101", "failed", None, "")
    report = check(history, seen)
    assert report.unsettled == 1
    assert report.unaccounted == 1  # answered, but its only reply failed


def test_a_stray_brand_post_is_reported() -> None:
    """A brand post no reply accounts for is stray."""
    history, seen = healthy()
    seen.brand_posts.append(XPost(902, "Something else", 100))
    assert check(history, seen).stray == 1


def test_a_missing_author_counts_only_once_restored() -> None:
    """An unnamed author still hidden on X is reported, not counted; once restored it counts."""
    history, seen = healthy()
    seen.mentions[0] = StoredMention(1, 100, TEXT, None, None, "answered")
    seen.x_mentions[0] = XMention(100, TEXT, "hanako", "田中 花子", author_unavailable=True)
    report = check(history, seen)
    assert report.ok and report.authors_hidden == 1
    seen.x_mentions[0] = XMention(100, TEXT, "hanako", "田中 花子", author_unavailable=False)
    assert check(history, seen).authors_missing == 1


def test_a_stored_retweet_is_extra() -> None:
    """A stored tweet that is not a customer mention on X (a retweet) is reported as extra."""
    history, seen = healthy()
    seen.mentions.append(StoredMention(2, 555, "RT @x: hi", "bob", "Bob", "open"))
    assert check(history, seen).extra == 1


def with_a_dm() -> tuple[History, Observed]:
    """The healthy state plus a customer DM answered once by a DM."""
    history, seen = healthy()
    history.add(
        "op", "reply", {"as": "0102"}, {"status": 202, "reply_id": 2, "reply_status": "queued"}
    )
    seen.x_mentions.append(XMention(200, "ORD-123456 &amp; <b>", "taro", "Taro", kind="dm"))
    seen.mentions.append(StoredMention(2, 200, "ORD-123456 &amp; <b>", "taro", "Taro", "answered"))
    seen.replies.append(
        StoredReply(2, 2, 200, "確認します", "posted", None, None, "dm", 950, "taro")
    )
    seen.brand_posts.append(XPost(950, "確認します", None, to="taro"))
    seen.settled_after[2] = 3.0
    return history, seen


def test_a_dm_answered_once_passes() -> None:
    """A DM stored verbatim and answered by exactly one brand DM breaks nothing."""
    report = check(*with_a_dm())
    assert report.ok, report.problems


def test_a_dm_sent_twice_is_reported() -> None:
    """A second brand DM with the reply's text to that customer counts as duplicated."""
    history, seen = with_a_dm()
    seen.brand_posts.append(XPost(951, "確認します", None, to="taro"))
    report = check(history, seen)
    assert report.duplicated == 1 and not report.ok


def test_a_lost_dm_and_a_stray_dm_are_reported() -> None:
    """A customer DM never stored is lost; a brand DM no reply accounts for is stray."""
    history, seen = with_a_dm()
    seen.x_mentions.append(XMention(201, "hello?", "taro", "Taro", kind="dm"))
    seen.brand_posts.append(XPost(960, "unasked", None, to="taro"))
    report = check(history, seen)
    assert (report.lost, report.stray) == (1, 1)


def test_a_dm_reply_recorded_against_another_customer_is_reported() -> None:
    """A posted DM reply whose DM went to someone else is altered (and its DM stray)."""
    history, seen = with_a_dm()
    seen.brand_posts[-1] = XPost(950, "確認します", None, to="hanako")
    report = check(history, seen)
    assert report.altered == 1 and not report.ok
