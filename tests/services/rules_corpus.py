"""Texts with the findings and priority a person expects, for the seeded default rules.

Each entry is checked both as a reply (guideline findings) and as a mention (priority).
Findings are rule ids, with "personal_data.<kind>" for personal data. Where the detectors
are known to get an entry wrong, `missed` / `false_alarm` name what they get wrong and
`why` says why; the test asserts exactly that, so fixing a detector flips the test.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    """One corpus text and what a careful reader expects of it."""

    text: str
    language: str
    findings: frozenset[str] = frozenset()
    priority: str = "normal"
    missed: frozenset[str] = frozenset()
    false_alarm: frozenset[str] = frozenset()
    why: str = ""


def t(text: str, language: str, *findings: str, priority: str = "normal", **known: object) -> Text:
    """An entry: t("text", "ja", "banned_term", priority="high")."""
    return Text(text, language, frozenset(findings), priority, **known)


PHONE, EMAIL, ORDER = "personal_data.phone", "personal_data.email", "personal_data.order_number"
CARD, POSTAL = "personal_data.card", "personal_data.postal_code"

CORPUS: tuple[Text, ...] = (
    # Japanese, nothing to find: prices, dates, model numbers, tracking pages, full width.
    t("ご不便をおかけして申し訳ございません。詳しくはDMでお知らせください。", "ja"),
    t("新モデル WH-1000XM5 は ¥12,800 で販売中です。", "ja"),
    t("発売日は 2026/12/03 です。", "ja"),
    t("配送状況は https://support.acme.example/track?id=123456 でご確認いただけます。", "ja"),
    t("価格は１２，８００円（税込）です。", "ja"),
    t("営業時間は 9:00〜18:00 です。", "ja"),
    t("型番 KJ-55X85L の在庫がございます。", "ja"),
    t("ポイント残高は 1,234,567 ポイントです。", "ja"),
    t("保証期間は 2025年4月1日 から1年間です。", "ja"),
    t("サポート窓口：https://acme.example/help", "ja"),
    t("２０２６年１２月３日に発売します。", "ja"),
    t("発売日2026/12/03、価格¥12,800、型番WH-1000XM5", "ja"),
    t("お問い合わせ番号 1234-5678-9012 で承っております。", "ja"),
    t("追跡番号 123456789012 でお調べいただけます。", "ja"),
    # Japanese personal data, also written in full width and with other dashes.
    t("お電話番号 090-1234-5678 で承りました。", "ja", PHONE),
    t("０９０-１２３４-５６７８ にお電話ください。", "ja", PHONE),
    t("０９０ー１２３４ー５６７８ までご連絡ください。", "ja", PHONE),
    t("03-1234-5678 におかけください。", "ja", PHONE),
    t("ご注文番号は123456789ですね。", "ja", ORDER),
    t("注文番号：１２３４５６７ を確認しました。", "ja", ORDER),
    t("〒100-0001 東京都千代田区千代田1-1 宛に発送します。", "ja", POSTAL),
    t("郵便番号 1500001 でお間違いないですか。", "ja", POSTAL),
    t("taro.yamada@example.jp 宛にメールしました。", "ja", EMAIL),
    t("メール：ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", "ja", EMAIL),
    t("カード番号 4111 1111 1111 1111 は削除してください。", "ja", CARD),
    # Japanese banned terms, links and third parties.
    t("これは社外秘の資料です。", "ja", "banned_term"),
    t("機密情報のため回答できません。", "ja", "banned_term"),
    t("コードネームは申し上げられません。", "ja", "banned_term"),
    t("内部資料によると来月発売です。", "ja", "banned_term"),
    t("詳しくは https://evil.example.com/ をご覧ください。", "ja", "link_domain"),
    t("https://bit.ly/3abcd で確認してください。", "ja", "link_domain"),
    t("@yamato_support にお問い合わせください。", "ja", "third_party_mention"),
    # Japanese mentions for priority.
    t("至急対応してください、製品から煙が出ています", "ja", priority="high"),
    t("充電中に発火しました", "ja", priority="high"),
    t("返金してほしいです", "ja", priority="high"),
    t("最悪です。二度と買いません", "ja", priority="high"),
    t("最悪", "ja"),
    t("ひどい!!", "ja", priority="high"),
    t("弁護士に相談します", "ja", priority="high"),
    t("けがをしました", "ja", priority="high"),
    t(
        "煙突掃除のブラシを探しています",
        "ja",
        false_alarm=frozenset({"priority"}),
        why="Japanese keywords match as substrings: 煙 (smoke) inside 煙突 (chimney).",
    ),
    t(
        "焦げ茶色のケースはありますか",
        "ja",
        false_alarm=frozenset({"priority"}),
        why="Japanese keywords match as substrings: 焦げ (scorched) inside 焦げ茶 (dark brown).",
    ),
    t(
        "至急！注文番号123456の件、090-1111-2222までお願いします",
        "ja",
        ORDER,
        PHONE,
        priority="high",
    ),
    # English, nothing to find.
    t("Thanks for reaching out! The WH-1000XM5 is $349.99 at https://acme.example/shop", "en"),
    t("Your parcel's tracking page: https://support.acme.example/track/1Z999AA10123456784", "en"),
    t("Our store opens at 10:00 on 2026-12-03.", "en"),
    t("Model 123-4567 is back in stock.", "en"),
    t("Version 2.4.10 fixes the battery issue.", "en"),
    t("That will be ¥12,800 including tax.", "en"),
    t("Our confidentiality policy is on our site.", "en"),
    t("Is the blue case in stock?", "en"),
    # English personal data.
    t("Please call me back on +1 415 555 2671.", "en", PHONE),
    t("My email is john.doe@example.com", "en", EMAIL),
    t("Order ORD-12345678 has shipped.", "en", ORDER),
    t("ord#1234567 is on its way.", "en", ORDER),
    t("Card 5555 5555 5555 4444 was charged twice.", "en", CARD),
    t("postal code 100-0001, is that right?", "en", POSTAL),
    t("Reach me at (03) 1234 5678 please.", "en", PHONE),
    t(
        "My zip code is 94103.",
        "en",
        POSTAL,
        missed=frozenset({POSTAL}),
        why="Postal codes are Japanese (NNN-NNNN) only; a US ZIP is not recognised.",
    ),
    t(
        "Email us at help@acme.example any time.",
        "en",
        false_alarm=frozenset({EMAIL}),
        why="The brand's own addresses have no allow list (phone numbers do).",
    ),
    # English banned terms, links, third parties.
    t("This is confidential, sorry.", "en", "banned_term"),
    t("Internal use only: the release date.", "en", "banned_term"),
    t("See http://acme.example.com.evil.org/login", "en", "link_domain"),
    t("Details at competitor.com/help", "en", "link_domain"),
    t("cc @BestBuySupport", "en", "third_party_mention"),
    # English mentions for priority.
    t("URGENT: my charger is smoking", "en", priority="high"),
    t("This is unacceptable and ridiculous", "en", priority="high"),
    t("I want a refund", "en", priority="high"),
    t("ＵＲＧＥＮＴ ｐｌｅａｓｅ", "en", priority="high"),
    t("The fireworks show was great, thanks", "en"),
    t("I'm not angry, just curious", "en"),
    t(
        "Is the burnt orange colour sold out?",
        "en",
        false_alarm=frozenset({"priority"}),
        why="Keywords have no context: burnt names a colour here.",
    ),
)
