"""The demo's seed data: its employees and a few canned replies (benchmarks use them too)."""

from __future__ import annotations

DEMO_EMPLOYEES = (
    # (number, role, name): Japanese and English names, as on a real desk in Tokyo
    ("0001", "admin", "佐藤 花子"),
    ("0002", "supervisor", "Emily Carter"),
    ("0101", "agent", "鈴木 一郎"),
    ("0102", "agent", "James Wilson"),
    ("0103", "agent", "高橋 美咲"),
    ("0104", "agent", "Olivia Brown"),
    ("0105", "agent", "田中 健太"),
    ("0201", "trainee", "伊藤 さくら"),
)

DEMO_CANNED_REPLIES = (
    # (language, title, body): seeded once, when the desk has no canned replies at all
    (
        "ja",
        "注文内容をDMで",
        "お問い合わせありがとうございます。お手数ですが、ご注文番号とお名前をDMで"
        "お送りいただけますでしょうか。確認してご連絡いたします。",
    ),
    (
        "ja",
        "営業時間のご案内",
        "店舗の営業時間は https://acme.example/stores でご確認いただけます。"
        "ご来店をお待ちしております。",
    ),
    (
        "ja",
        "遅延のお詫び",
        "お届けが遅れており、大変申し訳ございません。配送状況を確認のうえ、改めてご連絡いたします。",
    ),
    ("ja", "お礼", "温かいお言葉をありがとうございます！スタッフ一同、大変励みになります。"),
    (
        "en",
        "Ask for order details by DM",
        "Thanks for reaching out! Could you DM us your order number and name?"
        " We'll look into it right away.",
    ),
    (
        "en",
        "Apology for the delay",
        "We're so sorry your order is running late. We're checking with the carrier"
        " and will update you shortly.",
    ),
    ("en", "Thanks", "Thank you for the kind words! We'll pass them on to the team."),
)


def seed_canned_replies() -> None:
    """A few canned replies in both languages, only on a desk that has none yet."""
    from helpdesk.services.canned import create_canned, list_canned
    from helpdesk.services.employees import find_employee

    author = find_employee(DEMO_EMPLOYEES[1][0])  # the demo supervisor writes them
    if author is None or not author.active or list_canned(active_only=False):
        return
    for language, title, body in DEMO_CANNED_REPLIES:
        create_canned(title, body, language, actor=author)
