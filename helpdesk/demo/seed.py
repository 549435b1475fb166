"""The demo's seed data: its employees, their routing skills, the desk's tags and a few canned
replies (benchmarks use them too)."""

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

DEMO_TAGS = ("カメラ", "PC", "配送", "返品")

DEMO_SKILLS = {
    # number: (languages, expertise tags, capacity); a trainee is routed only its tags
    "0002": (["ja", "en"], [], 3),
    "0101": (["ja"], ["カメラ"], 3),
    "0102": (["en"], ["PC"], 3),
    "0103": (["ja", "en"], ["配送", "返品"], 4),
    "0104": (["en", "ja"], ["カメラ", "PC"], 3),
    "0105": (["ja"], [], 5),
    "0201": (["ja"], ["配送"], 1),
}

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


def seed_routing() -> None:
    """The desk's tags and the demo employees' languages, skills and capacity, only on a desk
    that has no tags yet (a later run keeps what supervisors changed)."""
    from helpdesk.services.employees import find_employee
    from helpdesk.services.skills import create_tag, list_tags, set_skills

    admin = find_employee(DEMO_EMPLOYEES[0][0])
    if admin is None or not admin.active or list_tags():
        return
    for name in DEMO_TAGS:
        create_tag(name, actor=admin)
    for number, (languages, tags, capacity) in DEMO_SKILLS.items():
        employee = find_employee(number)
        if employee is not None:
            set_skills(employee, languages, tags, capacity, actor=admin)


DEMO_TAGGED = 12  # mentions the demo tags, as agents would, once the first ones are ingested
DEMO_TAGGER = "0103"  # the agent whose expertise is 配送 and 返品
# Words an agent reads as one of the demo's tags (besides the tag's own name): what makes the
# colleagues' counts, and so the suggestions from similar mentions, show in the demo.
DEMO_TAG_WORDS = {
    "配送": ("届", "発送", "追跡", "配達", "delivery", "shipping", "tracking", "arrive"),
    "返品": ("返金", "交換", "キャンセル", "refund", "return", "exchange", "cancel"),
    "カメラ": ("レンズ", "撮影", "camera", "lens"),
    "PC": ("パソコン", "ノート", "laptop", "computer", "windows"),
}


def seed_mention_tags(limit: int = DEMO_TAGGED) -> bool:
    """Tag up to `limit` of the newest mentions whose text names one of the desk's tags (the
    text suggestions an agent sees) or a word of DEMO_TAG_WORDS, as the demo's agent 0103;
    only while no mention carries a tag. True when done (tagged, or tags there already);
    False while no stored mention fits (the caller tries again later)."""
    import sqlalchemy as sa

    from helpdesk.extensions import db
    from helpdesk.models import Mention, mention_tags
    from helpdesk.services.employees import find_employee
    from helpdesk.services.skills import known_tag_names as list_tag_names
    from helpdesk.services.tagging import set_mention_tags, suggest_tags

    if db.session.scalar(sa.select(mention_tags.c.mention_id).limit(1)) is not None:
        return True
    tagger = find_employee(DEMO_TAGGER)
    if tagger is None or not tagger.active:
        return True
    newest = list(
        db.session.scalars(sa.select(Mention).order_by(Mention.id.desc()).limit(10 * limit))
    )
    known = set(list_tag_names())
    if not newest or not known:
        return not known
    tagged = 0
    for mention in newest:
        named = [s.name for s in suggest_tags(mention) if s.from_text]
        folded = (mention.text or "").casefold()
        for name, words in DEMO_TAG_WORDS.items():
            if name not in named and any(word in folded for word in words):
                named.append(name)
        named = [name for name in named if name in known]
        if named:
            set_mention_tags(mention, named[:2], tagger)
            tagged += 1
            if tagged >= limit:
                break
    return tagged > 0
