"""The inbox's search: text, username or name, as typed, by trigrams or by scanning alike."""

from __future__ import annotations

from helpdesk.services import inbox


def found(term: str) -> set[str]:
    """The texts of all mentions the search term finds."""
    return {mention.text for mention in inbox.list_mentions("all", search=term).items}


def test_every_kind_of_term_finds_text_usernames_and_names(app, mentions):
    """Words of three or more letters (trigrams on PostgreSQL) and shorter ones (scanned), in
    the text, the username or the name, any case, find exactly the mentions that hold them."""
    mentions("My ROUTER is broken", username="alice", name="Alice Smith")
    mentions("when do you open?", username="bobstore", name="Bob")
    mentions("配送が遅れています", username="yuma_180", name="渡辺結衣")
    mentions("修理をお願いします", username="chii_437", name="かな🐈")
    texts = {m.text for m in inbox.list_mentions("all").items}
    router, store, delivery, repair = (
        next(t for t in texts if word in t) for word in ("ROUTER", "open?", "配送", "修理")
    )
    cases = {
        "router": {router},  # text, another case
        "BOBSTORE": {store},  # username
        "smith": {router},  # name
        "渡辺結衣": {delivery},  # a Japanese name, four characters
        "渡辺": {delivery},  # two characters: no trigram
        "配送": {delivery},  # two characters in the text
        "修理をお願い": {repair},
        "yuma_180": {delivery},  # runs of letters split by an underscore
        "🐈": {repair},  # no letters at all
        "o": {router, store},  # one letter
        "nobody-writes-this": set(),
    }
    for term, expected in cases.items():
        assert found(term) == expected, term


def test_wildcards_in_a_term_are_literal(app, mentions):
    """% and _ typed in the search box match themselves, not any text."""
    mentions("50% off today?", username="deals_fan", name="Sale 100")
    mentions("500 off today?", username="dealsxfan", name="Sale 1000")
    texts = {m.text for m in inbox.list_mentions("all").items}
    percent = next(t for t in texts if "50%" in t)
    assert found("50% off") == {percent}
    assert found("deals_fan") == {percent}
    assert found("sale 100") == texts  # "Sale 1000" holds "Sale 100"
    assert found("_f") == {percent}
