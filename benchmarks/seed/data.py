"""The seed's fixed data and time helpers: cycles, reply texts, reasons, hostile text, stamps."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from helpdesk.x.sandbox.state import EPOCH_MS

SEED_PASSWORD = "seeded desk password 2026"  # noqa: S105 - benchmark logins, printed on purpose
SECOND, MINUTE, HOUR, DAY = 1000, 60_000, 3_600_000, 86_400_000
JST = 9 * HOUR  # the desk works in Asia/Tokyo (the app's default time zone)
CLAIM_TTL = 600 * SECOND  # the app's default HELPDESK_CLAIM_TTL_SECONDS
SLA = {"normal": 3600 * SECOND, "high": 900 * SECOND}  # HELPDESK_SLA_*_SECONDS defaults
USERS_PER_MENTION = 0.3  # 1M mentions: 300,000 customers

# Mentions per hour by the hour in Tokyo, and by weekday (Monday first).
DAILY = (0.9, 0.6, 0.4, 0.25, 0.2, 0.25, 0.4, 0.7, 1.0, 1.2, 1.3, 1.3,
         1.5, 1.4, 1.3, 1.3, 1.3, 1.4, 1.5, 1.6, 1.7, 1.7, 1.5, 1.2)  # fmt: skip
WEEKLY = (1.12, 1.05, 1.0, 1.0, 1.03, 0.9, 0.88)


REPLIES = {
    "ja": {
        "order": (
            "ご不便をおかけしております。お手数ですが、ご注文番号をDMでお送りいただけますで"
            "しょうか。確認してご連絡いたします。",
            "お問い合わせありがとうございます。ご注文の状況を確認いたしますので、DMにて"
            "ご注文番号とお名前をお知らせください。",
        ),
        "delivery": (
            "お届けが遅れており、大変申し訳ございません。配送状況を確認のうえ、改めてご連絡"
            "いたします。",
            "ご迷惑をおかけしております。配送業者に確認いたしますので、追跡番号をDMで"
            "お知らせいただけますか。",
        ),
        "repair": (
            "ご不便をおかけしております。修理のお申し込みは https://acme.example/repair から"
            "承っております。保証期間内であれば無償で対応いたします。",
            "修理の進捗を確認いたします。受付番号をDMでお送りください。",
        ),
        "store": (
            "店舗の営業時間は https://acme.example/stores でご確認いただけます。"
            "ご来店をお待ちしております。",
            "お問い合わせありがとうございます。在庫状況は店舗により異なりますので、"
            "店舗へ直接お問い合わせいただけますと幸いです。",
        ),
        "return": (
            "返品・交換はお届けから30日以内に承っております。手順は https://acme.example/returns"
            " をご覧ください。",
            "返金の状況を確認いたします。ご注文番号をDMでお知らせください。",
        ),
        "complaint": (
            "ご不快な思いをおかけし、誠に申し訳ございません。詳しくお伺いしたく、DMにて"
            "ご連絡いただけますでしょうか。",
        ),
        "angry": (
            "大変ご迷惑をおかけしており、誠に申し訳ございません。責任者より改めてご連絡"
            "いたしますので、DMにてご連絡先をお知らせください。",
        ),
        "thanks": ("温かいお言葉をありがとうございます！スタッフ一同、大変励みになります。",),
        "spam": ("お問い合わせありがとうございます。",),
        "other": (
            "お問い合わせありがとうございます。詳しくは https://acme.example/help をご覧ください。",
        ),
        "followup": (
            "ご連絡ありがとうございます。DMを確認いたしましたので、引き続きDMにてご案内いたします。",
            "お待たせしております。確認でき次第、ご連絡いたします。",
        ),
    },
    "en": {
        "order": (
            "Thanks for reaching out! Could you DM us your order number and name? We'll look"
            " into it right away.",
        ),
        "delivery": (
            "We're so sorry your order is running late. We're checking with the carrier and"
            " will update you shortly.",
            "Sorry about that! Please DM us your tracking number and we'll chase it up.",
        ),
        "repair": (
            "Sorry to hear that. You can book a repair at https://acme.example/repair; it's free"
            " under warranty.",
        ),
        "store": ("Opening hours for every store are at https://acme.example/stores.",),
        "return": (
            "Returns are free within 30 days: https://acme.example/returns has the steps.",
            "Let us check on that refund. Could you DM us the order number?",
        ),
        "complaint": (
            "We're really sorry about this experience. Could you DM us the details so we can"
            " make it right?",
        ),
        "angry": (
            "We're very sorry. A team lead will contact you personally; please DM us the best"
            " way to reach you.",
        ),
        "thanks": ("Thank you for the kind words! We'll pass them on to the team.",),
        "spam": ("Thanks for reaching out.",),
        "other": ("Thanks for asking! You'll find the details at https://acme.example/help.",),
        "followup": ("Thanks, we got your DM and will reply there.", "Still on it, thanks!"),
    },
}
DISMISS_REASONS = {
    "spam": ("Spam", "スパム", "Spam / promotion"),
    "thanks": ("No reply needed (thanks)", "お礼のみ", "Thank-you only"),
    "followup": ("No reply needed", "返信不要", "Answered in the thread"),
    "other": (
        "Duplicate of an earlier mention",
        "重複",
        "Resolved by DM",
        "DMで対応済み",
        "Not about us",
        "当社と無関係",
        "Customer deleted the tweet",
    ),
}
ESCALATION_REASONS = (
    "Customer threatens legal action",
    "消費者センターへの連絡を示唆",
    "Refund above the agent limit",
    "返金額が担当者の権限を超える",
    "Possible safety issue (product overheating)",
    "発火の可能性あり",
    "Third contact about the same order",
)
RESOLUTIONS = (
    "Answered by the assigned agent.",
    "担当者が回答済み",
    "Refund approved, customer informed.",
    "Called the customer; resolved.",
    "SLA missed overnight; answered in the morning.",
    "夜間のため翌朝対応",
    "Backlog during the spike; answered.",
)
REJECT_REASONS = (
    "Tone too casual for a complaint.",
    "敬語を直してください",
    "Wrong return policy quoted.",
    "Ask for the order number by DM instead.",
)
POST_ERRORS = (
    "X refused the reply (403): You are not allowed to reply to this conversation.",
    "X refused the reply (403): The post you are replying to has been deleted or is not"
    " visible to you.",
    "gave up after 5 attempts: X answered 503 Service Unavailable",
)
WARN_RULES = (("link_domain", "warn"), ("third_party_mention", "warn"), ("personal_data", "warn"))
BLOCK_RULES = (("personal_data", "block"), ("banned_term", "block"), ("length", "block"))
EXTRAS = {
    "ja": ("よろしくお願いします。", "急ぎです。", "昨日も問い合わせました。", "写真もあります📷",
           "#拡散希望", "困っています…", "早めの対応をお願いします🙏", "https://t.co/Xa81bQ2kZp"),
    "en": ("Please help.", "Thanks in advance!", "This is the second time this happens.",
           "#customerservice", "pic.twitter.com/AbC123xyz", "Any update would be great.",
           "https://t.co/Xa81bQ2kZp", "🙏"),
}  # fmt: skip
# What customers really send: markup, injection attempts, bidi and zero-width tricks, emoji
# sequences, formula prefixes for CSV exports, control characters, replacement characters.
HOSTILE = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{7*7}} ${7*7} %s %(x)s {0}",
    "'; DROP TABLE mentions; --",
    "\u202egnp.exe\u202c",
    "a\u200b\u200c\u200db\ufeff",
    "Z\u0335\u0321\u0347a\u0338\u0316l\u0334g\u0335o",
    "👨\u200d👩\u200d👧\u200d👦🏳️\u200d🌈",
    '=HYPERLINK("http://evil.example","click")',
    "back\\slash \\n \\t \\N",
    "tab\there\r\nnew line",
    "\ufffd\ufffd",
    "＠acme_help ｆｕｌｌｗｉｄｔｈ",
    "javascript:alert(document.cookie)",
)
HOSTILE_NAMES = (
    "<b>bold</b>",
    "=cmd|' /C calc'!A0",
    "\u202eredli\u202c",
    "😀" * 20,
    "Robert'); --",
)


def snowflake(ms: int, low: int) -> int:
    """An X id: milliseconds since X's epoch, then 22 bits of worker and sequence."""
    return ((ms - EPOCH_MS) << 22) | low


_DAYS: dict[int, str] = {}


def _day(day: int) -> str:
    text = _DAYS.get(day)
    if text is None:
        text = _DAYS[day] = (date(1970, 1, 1) + timedelta(days=day)).isoformat()
    return text


_MINUTES: dict[int, str] = {}


def stamp(ms: int) -> str:
    """Epoch milliseconds as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC: the app's SQLite form, and
    what PostgreSQL reads for a timestamptz in a session whose time zone is UTC."""
    minute, rest = divmod(ms, MINUTE)
    prefix = _MINUTES.get(minute)
    if prefix is None:
        if len(_MINUTES) > 100_000:
            _MINUTES.clear()
        day, minutes = divmod(minute, 1440)
        prefix = _MINUTES[minute] = f"{_day(day)} {minutes // 60:02d}:{minutes % 60:02d}:"
    sec, milli = divmod(rest, 1000)
    return f"{prefix}{sec:02d}.{milli:03d}000"


def opt(ms: int | None) -> str | None:
    return None if ms is None else stamp(ms)


def iso(text: str) -> str:
    """What `datetime.isoformat(timespec="microseconds")` gives for a stamp() in UTC."""
    return f"{text[:10]}T{text[11:]}+00:00"


def to_ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)
