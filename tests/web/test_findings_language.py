"""Guideline findings read in the reader's language: services give rule + params, the web words."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from helpdesk.services.guidelines import check_reply
from helpdesk.services.replies import gap_violation, unfilled_gaps
from helpdesk.web.findings import SENTENCES, describe
from helpdesk.x.text import MAX_COUNTED_CHARS
from tests.support.web import csrf_from

SIGNED = " ^0427"
TEXTS = [
    "",
    "あ" * 200,
    "a" * (MAX_COUNTED_CHARS + 1),
    "Thanks\x00 for waiting\u200b",
    "mail me at taro@example.com",
    "mail taro@example.com or hanako@example.org",
    "call 090-1234-5678",
    "card 4111 1111 1111 1111",
    "ORD-1234567 has shipped",
    "〒123-4567 にお送りします",
    "this is confidential",
    "see https://evil.example/x",
    "ask @someone_else about it",
]


def findings() -> list[dict]:
    found = []
    for text in TEXTS:
        found += [v.to_dict() for v in check_reply(text + SIGNED, customer_username="cust")]
    # The composer's own finding (replies.preview): a canned reply's gap left unfilled.
    found.append(gap_violation(unfilled_gaps("ご注文 {order} は ｛date｝ に届きます")).to_dict())
    return found


def test_the_corpus_raises_every_kind_of_finding():
    """Each rule the web has a sentence for is found at least once (else the checks skip it)."""
    assert {f["rule"] for f in findings()} == set(SENTENCES)


def test_in_english_the_sentence_is_the_services_message(app):
    """The web's English sentence for a finding is exactly the service's message."""
    with app.test_request_context("/"), force_locale("en"):
        for finding in findings():
            assert describe(finding) == finding["message"]


def test_in_japanese_every_finding_is_a_japanese_sentence(app):
    """The Japanese sentence differs from the English and keeps the values it names."""
    with app.test_request_context("/"), force_locale("ja"):
        for finding in findings():
            japanese = describe(finding)
            assert japanese != finding["message"] and "This reply" not in japanese
            for value in finding["params"].values():
                if finding["rule"] != "personal_data":  # its kind is a word, not a value
                    assert str(value) in japanese, (finding, japanese)


def test_the_mention_page_shows_a_refused_replys_findings_in_japanese(
    client, make_employee, login, mentions
):
    """An agent reading ja sends a reply with an e-mail address: the finding is Japanese."""
    (mention_id,) = mentions("返品したいです")
    make_employee("0427")
    login("0427")
    page = client.get(f"/mentions/{mention_id}")
    response = client.post(
        f"/mentions/{mention_id}/reply",
        data={"text": "taro@example.com までご連絡ください", "csrf_token": csrf_from(page.text)},
        headers={"Accept-Language": "ja"},
    )
    assert response.status_code == 422
    assert "この返信にはメールアドレスが含まれています。" in response.text
    assert "This reply contains" not in response.text


@pytest.mark.parametrize(
    "language,expected", [("ja", "禁止語「confidential」"), (None, "banned term")]
)
def test_the_preview_api_words_findings_in_accept_language(api_as, client, language, expected):
    """The composer's live check (the preview API) answers in Accept-Language, else English."""
    api = api_as("0427")
    headers = {"Authorization": f"Bearer {api.token}"}
    if language:
        headers["Accept-Language"] = language
    body = client.post(
        "/api/v1/replies/preview", json={"text": "this is confidential"}, headers=headers
    ).get_json()
    (finding,) = body["violations"]
    assert finding["rule"] == "banned_term" and expected in finding["message"]
    assert finding["params"] == {"term": "confidential"}
