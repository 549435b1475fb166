"""The guideline check run on a reply's full text before it is posted."""

from __future__ import annotations

import pytest

from helpdesk.services.guidelines import (
    DEFAULT_POLICY,
    GuidelinePolicy,
    Severity,
    Violation,
    blocking,
    check_reply,
    warnings,
)
from helpdesk.x.text import with_signature


def rules(violations: list[Violation]) -> list[str]:
    return [v.rule for v in violations]


def only(violations: list[Violation], rule: str) -> list[Violation]:
    return [v for v in violations if v.rule == rule]


# --- clean and empty ---------------------------------------------------------------------


def test_clean_reply_has_no_violations() -> None:
    """A polite Japanese reply with an allowed link, the customer's handle and signature passes."""
    text = with_signature(
        "@taro_y ご不便をおかけして申し訳ございません。"
        "手順はこちらです: https://support.acme.example/faq/123 ご確認ください🙏",
        "042",
    )
    assert check_reply(text, customer_username="taro_y", brand_username="acme_support") == []


def test_clean_english_reply_has_no_violations() -> None:
    """A plain English reply with a signature passes."""
    assert check_reply("Thanks for reaching out, we're on it! ^7") == []


@pytest.mark.parametrize("text", [" ^042", "^042", "   \n ^042  ", "", "   \n\t"])
def test_signature_only_reply_is_empty(text: str) -> None:
    """A reply with nothing but the signature or whitespace is a blocking `empty` finding."""
    violations = check_reply(text)
    assert rules(violations) == ["empty"]
    assert violations[0].severity is Severity.BLOCK


def test_empty_respects_custom_signature_format() -> None:
    """With a custom signature format, the signature alone is still empty."""
    policy = GuidelinePolicy(signature_format=" —{number}")
    assert rules(check_reply(with_signature("", "12", " —{number}"), policy)) == ["empty"]
    assert check_reply(with_signature("OK", "12", " —{number}"), policy) == []


def test_short_real_text_is_not_empty() -> None:
    """One real character before the signature is not empty."""
    assert "empty" not in rules(check_reply("了 ^1"))


# --- length ------------------------------------------------------------------------------


def test_too_long_japanese_reply_is_blocked_with_count() -> None:
    """141 Japanese characters weigh 282 plus signature and block with the count in the message."""
    text = with_signature("あ" * 141, "12")
    [violation] = only(check_reply(text), "length")
    assert violation.severity is Severity.BLOCK
    assert "286/280" in violation.message


def test_reply_at_the_limit_is_not_too_long() -> None:
    """A reply of exactly 280 including the signature has no length finding."""
    text = with_signature("a" * 276, "12")
    assert len(text) == 280
    assert "length" not in rules(check_reply(text))


def test_url_counts_23_for_length() -> None:
    """A very long allowed-looking URL counts 23, so it does not make the reply too long."""
    text = "Details: https://example.com/" + "x" * 400 + " ^1"
    assert "length" not in rules(check_reply(text))


# --- personal data -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "お電話は03-1234-5678までお願いします ^1",
        "携帯090-1234-5678にご連絡ください ^1",
        "Call +81 90 1234 5678 please ^1",
        "番号は０９０－１２３４－５６７８です ^1",
        "番号は03ー1234ー5678です ^1",
        "電話は09012345678です ^1",
    ],
)
def test_phone_number_is_blocked(text: str) -> None:
    """Phone numbers in Japanese, international and full-width formats block and suggest DM."""
    [violation] = only(check_reply(text), "personal_data")
    assert violation.severity is Severity.BLOCK
    assert "phone number" in violation.message
    assert "DM" in violation.message


def test_phone_message_does_not_echo_the_number() -> None:
    """The message names the kind and at most the last two digits, never the whole number."""
    [violation] = only(check_reply("090-1234-5678 ^1"), "personal_data")
    for part in ("090", "1234", "5678", "09012345678"):
        assert part not in violation.message
    assert "ending in 78" in violation.message


def test_brands_own_published_number_is_allowed() -> None:
    """A phone number listed in allowed_phone_numbers is not personal data."""
    policy = GuidelinePolicy(allowed_phone_numbers=("0120-123-456",))
    assert check_reply("サポート窓口 0120-123-456 ^1", policy) == []
    assert "personal_data" in rules(check_reply("サポート窓口 0120-123-456 ^1"))


@pytest.mark.parametrize(
    "text", ["taro@example.com までご連絡ください ^1", "メールはtaro＠example.jpへ ^1"]
)
def test_email_is_blocked(text: str) -> None:
    """E-mail addresses, including with a full-width ＠, block and suggest DM."""
    [violation] = only(check_reply(text), "personal_data")
    assert violation.severity is Severity.BLOCK
    assert "e-mail address" in violation.message
    assert "taro" not in violation.message


@pytest.mark.parametrize(
    "text",
    [
        "カード番号4111 1111 1111 1111ですね ^1",
        "card 4111-1111-1111-1111 ^1",
        "card ４１１１１１１１１１１１１１１１ ^1",
    ],
)
def test_card_number_passing_luhn_is_blocked(text: str) -> None:
    """A 16-digit number that passes Luhn, with spaces, hyphens or full-width digits, blocks."""
    [violation] = only(check_reply(text), "personal_data")
    assert violation.severity is Severity.BLOCK
    assert "card number" in violation.message
    assert "4111" not in violation.message


def test_long_number_failing_luhn_is_not_a_card() -> None:
    """A 16-digit number that fails Luhn is not reported as a card number."""
    assert check_reply("Ref 4111111111111112 ^1") == []


@pytest.mark.parametrize(
    "text",
    ["〒123-4567へお送りします ^1", "郵便番号は1234567ですね ^1", "Postal code: 123-4567 ^1"],
)
def test_postal_code_is_a_warning(text: str) -> None:
    """A postal code marked by 〒 or a postcode word is a personal-data warning."""
    [violation] = only(check_reply(text), "personal_data")
    assert violation.severity is Severity.WARN
    assert "postal code" in violation.message


def test_bare_seven_digits_are_not_a_postal_code() -> None:
    """A bare 123-4567 without a postcode marker is too ambiguous to report."""
    assert check_reply("Model 123-4567 is back in stock ^1") == []


@pytest.mark.parametrize(
    "text",
    [
        "ご注文番号は12345678ですね ^1",
        "注文番号：１２３４５６７８を確認しました ^1",
        "Your ORD-12345678 has shipped ^1",
        "ご注文ORD123456を確認しました ^1",
    ],
)
def test_order_number_is_a_warning(text: str) -> None:
    """Order numbers by the policy pattern, in Japanese or English, are personal-data warnings."""
    [violation] = only(check_reply(text), "personal_data")
    assert violation.severity is Severity.WARN
    assert "order number" in violation.message
    assert "12345678" not in violation.message


def test_short_or_unmarked_numbers_are_not_order_numbers() -> None:
    """Short numbers and numbers without an order marker are not order numbers."""
    assert check_reply("ORD-123 と RECORD-1234567 は無関係です ^1") == []


def test_custom_order_number_pattern() -> None:
    """The order-number pattern comes from the policy."""
    policy = GuidelinePolicy(order_number_pattern=r"\bAC-\d{4}\b")
    assert "personal_data" in rules(check_reply("AC-9876 has shipped ^1", policy))
    assert check_reply("ORD-12345678 has shipped ^1", policy) == []


def test_several_phone_numbers_are_one_finding() -> None:
    """Two phone numbers make one personal-data finding that counts them."""
    [violation] = only(check_reply("03-1234-5678 or 090-1234-5679 ^1"), "personal_data")
    assert "2 phone numbers" in violation.message
    assert "remove them" in violation.message


def test_prices_dates_and_times_are_not_personal_data() -> None:
    """Dates, times, prices and quantities are not mistaken for personal data."""
    text = "2024-01-15 10:30に発送、価格は¥12,800（税込）、3個です ^12"
    assert check_reply(text) == []


# --- banned terms ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "これは社外秘の情報です ^1",
        "内部資料によると ^1",
        "This is CONFIDENTIAL info ^1",
        "ｃｏｎｆｉｄｅｎｔｉａｌ ^1",
        "Internal   Use\nOnly ^1",
    ],
)
def test_banned_term_is_blocked(text: str) -> None:
    """Banned terms match case-insensitively, NFKC-normalised, inside Japanese without spaces."""
    [violation] = only(check_reply(text), "banned_term")
    assert violation.severity is Severity.BLOCK
    assert "remove it" in violation.message


def test_banned_term_not_matched_inside_an_english_word() -> None:
    """An English banned term inside a longer word (nonconfidential) is not reported."""
    assert check_reply("Your data is handled per our nonconfidentiality note ^1") == []


def test_custom_banned_terms() -> None:
    """A policy's own code names are banned."""
    policy = GuidelinePolicy(banned_terms=("Project Falcon", "ファルコン計画"))
    assert rules(check_reply("project falcon is coming ^1", policy)) == ["banned_term"]
    assert rules(check_reply("新製品はファルコン計画で ^1", policy)) == ["banned_term"]
    assert check_reply("社外秘 ^1", policy) == []


# --- links -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("こちらをご覧ください https://evil.com/help ^1", "evil.com"),
        ("See example.com/x for details ^1", "example.com"),
        ("詳細はexample.com/xへ ^1", "example.com"),
        ("https://acme.example.evil.com/login ^1", "acme.example.evil.com"),
        ("https://acme.example@evil.com/ ^1", "evil.com"),
        ("bit.ly/abc ^1", "bit.ly"),
    ],
)
def test_link_outside_allowed_domains_is_a_warning(text: str, host: str) -> None:
    """Links to other hosts, with or without a scheme or hidden behind user@, warn."""
    [violation] = only(check_reply(text), "link_domain")
    assert violation.severity is Severity.WARN
    assert host in violation.message


@pytest.mark.parametrize(
    "text",
    [
        "https://acme.example/faq ^1",
        "https://support.acme.example/a?b=c ^1",
        "https://www.acme.example/x ^1",
        "HTTPS://ACME.EXAMPLE/ ^1",
    ],
)
def test_link_to_allowed_domain_or_subdomain_is_fine(text: str) -> None:
    """Links to an allowed domain or any of its subdomains are not reported."""
    assert check_reply(text) == []


def test_allowed_domains_come_from_the_policy() -> None:
    """A policy allowing example.com accepts its links and its subdomains."""
    policy = GuidelinePolicy(allowed_domains=("Example.com",))
    assert check_reply("https://www.example.com/help ^1", policy) == []
    assert rules(check_reply("https://acme.example.com.evil.org/ ^1", policy)) == ["link_domain"]


# --- mentions ----------------------------------------------------------------------------


def test_third_party_mention_is_a_warning() -> None:
    """Mentioning someone other than the customer or the brand warns, once per handle."""
    violations = check_reply(
        "@Taro_Y @acme_support @someone_else @SOMEONE_ELSE に確認します ^1",
        customer_username="taro_y",
        brand_username="@Acme_Support",
    )
    [violation] = only(violations, "third_party_mention")
    assert violation.severity is Severity.WARN
    assert "@someone_else" in violation.message


def test_mentions_inside_japanese_text_are_found() -> None:
    """A handle directly after Japanese text is still a mention."""
    violations = check_reply("詳しくは@other_shopへ ^1", customer_username="taro")
    assert rules(violations) == ["third_party_mention"]


def test_customer_and_brand_mentions_are_fine() -> None:
    """Mentioning the customer or the brand is not reported; an e-mail is not a mention."""
    text = "@taro thanks! @acme_support will follow up ^1"
    assert check_reply(text, customer_username="@taro", brand_username="acme_support") == []
    assert "third_party_mention" not in rules(check_reply("taro@example.com ^1"))


def test_without_customer_every_mention_warns() -> None:
    """With no customer or brand given, any handle is a third party."""
    assert rules(check_reply("@taro hi ^1")) == ["third_party_mention"]


# --- hostile text, combinations, helpers --------------------------------------------------


def test_hostile_markup_is_just_text() -> None:
    """Script tags are checked like any text and never echoed into messages."""
    text = "<script>alert('x')</script><img src=x onerror=alert(1)> ^1"
    assert check_reply(text) == []
    hostile = "<script>@evil_bot evil.com/x 社外秘</script> ^1"
    violations = check_reply(hostile)
    assert set(rules(violations)) == {"third_party_mention", "link_domain", "banned_term"}
    assert all("<" not in v.message and ">" not in v.message for v in violations)


def test_several_rules_fire_together() -> None:
    """A reply breaking several rules reports each, split into blocking and warnings."""
    text = with_signature("社外秘: 090-1234-5678 evil.com @bob " + "あ" * 140, "1")
    violations = check_reply(text, customer_username="taro")
    assert set(rules(violations)) == {
        "length",
        "personal_data",
        "banned_term",
        "link_domain",
        "third_party_mention",
    }
    assert set(rules(blocking(violations))) == {"length", "personal_data", "banned_term"}
    assert set(rules(warnings(violations))) == {"link_domain", "third_party_mention"}


def test_violation_to_dict_is_plain_json() -> None:
    """A violation serialises to plain strings, with the values its sentence names."""
    violation = Violation("length", Severity.BLOCK, "Too long.", {"length": 300, "limit": 280})
    assert violation.to_dict() == {
        "rule": "length",
        "severity": "block",
        "message": "Too long.",
        "params": {"length": 300, "limit": 280},
    }
    assert type(violation.to_dict()["severity"]) is str


def test_every_message_is_one_sentence() -> None:
    """Each message is a single sentence ending in a full stop."""
    text = with_signature("社外秘 taro@example.com 〒123-4567 evil.com @bob " + "あ" * 140, "1")
    for violation in check_reply(text):
        assert violation.message.endswith(".")
        assert violation.message.count(". ") == 0, violation.message


def test_policy_severities_override_and_merge_with_defaults() -> None:
    """Overriding one rule's severity keeps the defaults for the others; strings are accepted."""
    policy = GuidelinePolicy(
        severities={"link_domain": "block", "personal_data.order_number": "block"}
    )
    assert policy.severities["link_domain"] is Severity.BLOCK
    assert policy.severities["banned_term"] is Severity.BLOCK
    assert policy.severities["third_party_mention"] is Severity.WARN
    assert rules(blocking(check_reply("evil.com ^1", policy))) == ["link_domain"]
    assert rules(blocking(check_reply("ORD-12345678 ^1", policy))) == ["personal_data"]
    assert rules(warnings(check_reply("〒123-4567 ^1", policy))) == ["personal_data"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"severities": {"no_such_rule": "warn"}},
        {"severities": {"length": "maybe"}},
        {"order_number_pattern": "(unclosed"},
        {"phone_region": "XX"},
        {"signature_format": " ^{name}"},
        {"allowed_phone_numbers": ("not a number",)},
    ],
)
def test_bad_policy_is_rejected(kwargs: dict) -> None:
    """A policy with an unknown rule, bad severity, regex, region, format or number raises."""
    with pytest.raises(ValueError):
        GuidelinePolicy(**kwargs)


def test_default_policy_is_the_default() -> None:
    """check_reply uses DEFAULT_POLICY when no policy is given."""
    assert check_reply("社外秘 ^1") == check_reply("社外秘 ^1", DEFAULT_POLICY)


@pytest.mark.parametrize("text", ["x." * 3000, "a@" + "a." * 5000 + "1", "あ" * 1001])
def test_huge_text_is_refused_quickly(text: str) -> None:
    """Text over MAX_COUNTED_CHARS is a single length finding without running slow parsers."""
    [violation] = check_reply(text)
    assert violation.rule == "length"
    assert violation.severity is Severity.BLOCK
    assert f"has {len(text)} characters" in violation.message


# --- control and invisible characters ----------------------------------------------------


@pytest.mark.parametrize("unseen", ["\x00", "\x07", "\t", "\r", "\u200b", "\u202e", "\ufeff"])
def test_control_and_invisible_characters_block(unseen: str) -> None:
    """A NUL, a bell, a tab, a lone CR, a zero-width space, a bidi override or a BOM blocks."""
    found = only(check_reply(f"Thanks{unseen} for waiting ^0427"), "control_character")
    assert [v.severity for v in found] == [Severity.BLOCK]
    assert f"U+{ord(unseen):04X}" in found[0].message


def test_line_breaks_are_allowed() -> None:
    """A reply over several lines has no control-character finding."""
    text = with_signature("Thanks!\r\nWe will check.\n\nAcme", "0427")
    assert check_reply(text) == []


def test_the_rules_page_and_replies_share_one_check() -> None:
    """The rules page's refusal of unseen characters is the reply check's function, not a copy."""
    from helpdesk.services import guidelines, rules

    assert rules.invisible_characters is guidelines.invisible_characters
    assert guidelines.invisible_characters("a\nb\x00c\u200bd\x00") == ["\n", "\x00", "\u200b"]
    assert guidelines.invisible_characters("a\nb", allowed="\n") == []
