"""Realistic customer mentions (Japanese and English) for the X sandbox to generate."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

# Every template is written as the customer would, minus the leading "@brand ", which the
# generator adds (customers mostly start with the handle; some put it at the end).

JA_TEMPLATES: dict[str, tuple[str, ...]] = {
    "order": (
        "注文番号{order}の商品がまだ発送されていません。いつ届きますか？",
        "{date}に注文したのですが、ステータスが「準備中」のままです。確認お願いします🙏",
        "注文の確認メールが届きません。注文番号は{order}です",
        "すみません、注文をキャンセルしたいです。{order}",
        "注文内容を変更したいのですが、どうすればいいですか？サイズをMからLに",
        "同じ商品が2個届きました…注文は1個だけです。注文番号{order}",
        "クーポンが適用されないまま決済されてしまいました。返金してもらえますか？",
        "支払い方法をコンビニ払いに変えたいです",
    ),
    "delivery": (
        "配送状況を教えてください。追跡番号を入れても「該当なし」になります",
        "{date}の午前指定にしたのに届きませんでした。どうなってますか？",
        "不在票が入っていたのですが、再配達はどこに連絡すれば？",
        "配送先を実家に変更したいです。まだ間に合いますか？",
        "箱がつぶれた状態で届きました。中身は無事でしたが一応報告です📦",
        "届いた商品が違います！注文したのは{product}の白なのに黒が来ました",
        "置き配にしたら雨でびしょ濡れでした…",
        "配達予定日を過ぎても届きません。{order}",
    ),
    "repair": (
        "{product}の電源が入らなくなりました。修理はどこに出せばいいですか？",
        "購入して3ヶ月の{product}が故障しました。保証で直りますか？",
        "修理に出した{product}、{date}に預けたのにまだ連絡がありません",
        "{product}から異音がします。修理の見積もりだけでもお願いできますか",
        "保証書をなくしてしまったのですが、修理は受けられますか？",
        "修理受付番号{repair}の進捗を知りたいです",
    ),
    "store": (
        "{store}の営業時間を教えてください",
        "{store}は年末年始も営業していますか？",
        "{store}に駐車場はありますか？",
        "明日{store}に行きたいのですが、{product}の在庫ありますか？",
        "{store}、今日臨時休業ですか？シャッター閉まってました",
        "{store}の電話番号が繋がりません。{phone}で合ってますか？",
    ),
    "return": (
        "返品の方法を教えてください。サイズが合いませんでした",
        "開封済みでも返品できますか？",
        "返品した商品の返金がまだです。{date}に送り返しました",
        "交換をお願いしたいです。注文番号{order}、色違いに",
        "初期不良なので返品したいのですが、送料はそちら負担ですよね？",
    ),
    "complaint": (
        "{store}の店員さんの対応がひどかったです。二度と行きたくない",
        "電話が全然繋がらない。何回かけたと思ってるんですか",
        "問い合わせフォームから連絡して1週間、返事がありません",
        "説明と全然違う商品でした。がっかりです",
        "何度も同じ説明をさせられて疲れました…",
        "ポイントが勝手に失効していました。納得できません",
    ),
    "angry": (
        "いい加減にしてください！！3回目の問い合わせです。{order}",
        "もう最悪。返金しろ。今すぐ。",
        "こんな会社二度と使わない。消費者センターに連絡します",
        "ふざけてるの？届かないし連絡もないし。{phone}に今すぐ電話して",
        "誠意が感じられない対応。責任者出してください😡😡",
    ),
    "thanks": (
        "昨日は丁寧に対応していただきありがとうございました！",
        "無事に届きました！早い対応ありがとうございます✨",
        "{store}のスタッフさん、とても親切でした。ありがとうございました",
        "修理から戻ってきました。新品みたい！感謝です",
        "いつも使っています。これからも応援してます💪",
    ),
    "spam": (
        "【副業】スマホだけで月収50万円！詳しくはプロフィールのリンクから",
        "フォロバ100%！相互フォローお願いします🙇",
        "今だけ！Amazonギフト券が当たるキャンペーン実施中→ bit.ly/3xAmPle",
        "仮想通貨で資産10倍にした方法をDMで教えます",
    ),
    "other": (
        "{product}の新色はいつ発売ですか？",
        "会員登録のパスワードを忘れました。どうすれば？",
        "ギフト包装はできますか？",
        "領収書の発行をお願いしたいです。宛名は{company}でお願いします",
        "ポイントカードをアプリに移行する方法を教えてください",
    ),
}

EN_TEMPLATES: dict[str, tuple[str, ...]] = {
    "order": (
        "where is my order {order}? it's been a week",
        "Hi, I placed an order on {date} and it still says processing. Can you check?",
        "I never got a confirmation email for order {order}",
        "Can I still cancel order {order}? Ordered the wrong size",
        "I was charged twice for the same order!! {order}",
        "how do I change the shipping address on my order?",
    ),
    "delivery": (
        "Tracking says delivered but nothing is here. Order {order}",
        "My package was supposed to arrive {date}. Any update?",
        "Box arrived completely crushed, the {product} inside is cracked",
        "wrong item delivered - ordered the {product} in white, got black",
        "Courier left my parcel in the rain. Everything is soaked",
    ),
    "repair": (
        "My {product} won't turn on anymore. How do I get it repaired?",
        "Is the {product} still under warranty after 11 months? It keeps rebooting",
        "Sent my {product} for repair on {date}, no news since. Ref {repair}",
        "Can you give me a repair quote? Screen on my {product} is cracked",
    ),
    "store": (
        "What are the opening hours of the {store} store?",
        "Is {store} open on Sunday?",
        "Do you have the {product} in stock at {store}?",
        "Tried calling {store} at {phone} all morning, nobody picks up",
    ),
    "return": (
        "How do I return an item? It doesn't fit",
        "Still waiting for my refund, sent the return back on {date}",
        "Can I exchange a gift without the receipt?",
        "Return label link in your email is broken",
    ),
    "complaint": (
        "Been on hold for 45 minutes. This is ridiculous",
        "Your chat bot keeps sending me in circles",
        "Third email, no answer. Do you even read these?",
        "The staff at {store} were really rude to my mother today",
    ),
    "angry": (
        "WORST customer service ever. I want my money back NOW. {order}",
        "this is a SCAM. Product broke after 2 days and nobody answers",
        "Absolutely disgusted. Call me at {phone} today or I'm disputing the charge",
        "you people are useless!!! 3 weeks and still no {product}",
    ),
    "thanks": (
        "Thanks for sorting out my order so quickly!",
        "Shoutout to the team at {store}, super helpful <3",
        "Got my {product} back from repair, works like new. Thank you!",
        "You guys rock. Fast delivery & great packaging",
    ),
    "spam": (
        "Earn $500/day from home!!! DM me for details",
        "Follow me for daily crypto signals 🚀🚀 t.me/cryptomoonpump",
        "Congratulations! You've been selected for a free iPhone, claim at bit.ly/fr33-ph0ne",
    ),
    "other": (
        "Do you ship to Canada?",
        "When does the {product} restock?",
        "Is there a student discount?",
        "Can I get an invoice with my company name ({company}) on it?",
    ),
}

CATEGORY_WEIGHTS: dict[str, int] = {
    "order": 22,
    "delivery": 20,
    "repair": 10,
    "store": 10,
    "return": 10,
    "complaint": 9,
    "angry": 5,
    "thanks": 7,
    "spam": 3,
    "other": 4,
}

PRODUCTS_JA = (
    "ワイヤレスイヤホン", "電気ケトル", "ロボット掃除機", "加湿器", "炊飯器", "スマートウォッチ",
)  # fmt: skip
PRODUCTS_EN = (
    "wireless earbuds", "kettle", "robot vacuum", "humidifier", "rice cooker", "smartwatch",
)  # fmt: skip
STORES_JA = ("渋谷店", "梅田店", "名古屋駅前店", "札幌大通店", "博多店", "横浜みなとみらい店")
STORES_EN = ("Shibuya", "Umeda", "Nagoya Station", "Sapporo", "Hakata", "Yokohama")
COMPANIES = ("株式会社サンプル商事", "Acme Trading LLC", "有限会社みどり工房", "Blue Harbor Inc.")

FAMILY = (
    "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤",
    "吉田", "山田", "佐々木", "松本", "井上", "木村", "林", "清水",
)  # fmt: skip
GIVEN = (
    "花子", "太郎", "美咲", "翔太", "陽菜", "蓮", "さくら", "大輝", "結衣", "健太",
    "あおい", "悠真", "真由美", "誠", "由美子", "拓也",
)  # fmt: skip
HANDLE_NAMES = (
    "ゆう", "みー", "かな", "はる", "そら", "まこ", "りん", "けんけん", "ぽん太", "ちー",
)  # fmt: skip
HANDLE_SUFFIX = ("@育児中", "🌸", "｜会社員", "@ダイエット中", "🐈", "（低浮上）", "", "", "")
ROMAJI = (
    "hanako", "taro", "misaki", "shota", "hina", "ren", "sakura", "daiki", "yui", "kenta",
    "aoi", "yuma", "mayumi", "makoto", "yumiko", "takuya", "haru", "sora", "rin", "chii",
)  # fmt: skip
EN_FIRST = (
    "Emma", "Liam", "Olivia", "Noah", "Ava", "Ethan", "Mia", "Lucas", "Chloe", "Jack",
    "Priya", "Diego", "Fatima", "Wei", "Sofia", "Kwame",
)  # fmt: skip
EN_LAST = (
    "Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis", "Nguyen", "Patel", "Kim",
    "Okafor", "Rossi", "Müller",
)  # fmt: skip
SPAM_NAMES = ("💰副業で自由に💰", "Crypto King 🚀", "相互フォロー垢", "Free Gifts Daily")

THREAD_FOLLOWUPS_JA = (
    "返信ありがとうございます。DMしました",
    "まだ解決していません。どうなっていますか？",
    "わかりました、待ちます",
    "追記です。注文番号は{order}です",
    "解決しました！ありがとうございました🙇",
)
THREAD_FOLLOWUPS_EN = (
    "Thanks, just sent you a DM",
    "Still not fixed. Any update?",
    "Ok, I'll wait",
    "Forgot to add: order number is {order}",
    "All sorted now, thanks!",
)

QUOTES_JA = ("私も同じです", "うちも同じ症状です。対応お願いします", "これ、私も困ってます…")
QUOTES_EN = ("Same here", "Exactly my problem too. Any news?", "+1, happening to me as well")


@dataclass(frozen=True, slots=True)
class Persona:
    """A customer account: handle, display name and the language they write in."""

    username: str
    name: str
    lang: str


def make_persona(rng: random.Random) -> Persona:
    """Return a plausible customer account (Japanese about 70% of the time)."""
    roll = rng.random()
    number = rng.randrange(10, 9999)
    if roll < 0.35:
        family, given = rng.choice(FAMILY), rng.choice(GIVEN)
        name = rng.choice((f"{family} {given}", f"{family}{given}", given))
        handle = f"{rng.choice(ROMAJI)}_{number}"
        return Persona(handle[:15], name, "ja")
    if roll < 0.68:
        name = rng.choice(HANDLE_NAMES) + rng.choice(HANDLE_SUFFIX)
        handle = rng.choice(ROMAJI) + rng.choice(("", "_", "0", "x")) + str(number)
        return Persona(handle[:15], name, "ja")
    if roll < 0.97:
        first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
        name = rng.choice((f"{first} {last}", first, f"{first} {last[0]}."))
        handle = rng.choice((f"{first}{last}", f"{first.lower()}_{number}", f"{first[0]}{last}"))
        return Persona(_ascii_handle(handle)[:15], name, "en")
    name = rng.choice(SPAM_NAMES)
    return Persona(f"promo{rng.randrange(10**6, 10**7)}", name, "spam")


def _ascii_handle(handle: str) -> str:
    plain = unicodedata.normalize("NFKD", handle)  # Müller -> Muller
    return "".join(c for c in plain if c.isascii() and (c.isalnum() or c == "_")) or "user"


def _digits(rng: random.Random, width: int) -> str:
    return str(rng.randrange(10 ** (width - 1), 10**width))


def _date(rng: random.Random, lang: str) -> str:
    month, day = rng.randrange(1, 13), rng.randrange(1, 29)
    if lang == "ja":
        return rng.choice((f"{month}月{day}日", f"{month}/{day}", "先週の月曜日", f"{day}日"))
    return rng.choice((f"{month}/{day}", "Monday", f"Nov {day}", "the 14th"))


def _phone(rng: random.Random, lang: str) -> str:
    a, b = _digits(rng, 4), _digits(rng, 4)
    if lang == "ja":
        return rng.choice((f"090-{a}-{b}", f"080{a}{b}", f"03-{a}-{b}"))
    return rng.choice((f"+81 90 {a} {b}", f"(555) {a[:3]}-{b}"))


def _order(rng: random.Random, lang: str) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return f"A-{rng.choice(('2025', '2026'))}-{rng.randrange(10**7):07d}"
    if kind == 1:
        return f"#{_digits(rng, 7)}"
    return f"2026{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}-{_digits(rng, 5)}"


_SLOT_MAKERS = {
    "order": _order,
    "repair": lambda rng, lang: f"R{_digits(rng, 6)}",
    "date": _date,
    "phone": _phone,
    "product": lambda rng, lang: rng.choice(PRODUCTS_JA if lang == "ja" else PRODUCTS_EN),
    "store": lambda rng, lang: rng.choice(STORES_JA if lang == "ja" else STORES_EN),
    "company": lambda rng, lang: rng.choice(COMPANIES),
}


class _Slots(dict):
    """Fills a template's {placeholders} on demand, so unused ones cost nothing."""

    def __init__(self, rng: random.Random, lang: str) -> None:
        super().__init__()
        self.rng = rng
        self.lang = lang

    def __missing__(self, key: str) -> str:
        value = self[key] = _SLOT_MAKERS[key](self.rng, self.lang)
        return value


def _fill(rng: random.Random, template: str, lang: str) -> str:
    return template.format_map(_Slots(rng, lang)) if "{" in template else template


_CATEGORIES = tuple(CATEGORY_WEIGHTS)
_WEIGHTS = tuple(CATEGORY_WEIGHTS.values())


def make_mention_text(rng: random.Random, persona: Persona, brand_username: str) -> str:
    """Return one mention of the brand in the persona's language, @handle included."""
    if persona.lang == "spam":
        category, lang = "spam", rng.choice(("ja", "en"))
    else:
        category, lang = rng.choices(_CATEGORIES, _WEIGHTS)[0], persona.lang
    templates = (JA_TEMPLATES if lang == "ja" else EN_TEMPLATES)[category]
    body = _fill(rng, rng.choice(templates), lang)
    handle = f"@{brand_username}"
    roll = rng.random()
    if roll < 0.85:
        return f"{handle} {body}"
    if roll < 0.95:
        return f"{body} {handle}"
    return f"{handle}\n{body}"


def make_followup_text(rng: random.Random, lang: str, brand_username: str) -> str:
    """Return a customer's follow-up in a thread with the brand, @handle included."""
    templates = THREAD_FOLLOWUPS_JA if lang == "ja" else THREAD_FOLLOWUPS_EN
    return f"@{brand_username} " + _fill(rng, rng.choice(templates), lang)


def make_quote_text(rng: random.Random, lang: str, brand_username: str) -> str:
    """Return a customer quoting another customer's mention ("same here"), @handle included."""
    return f"@{brand_username} " + rng.choice(QUOTES_JA if lang == "ja" else QUOTES_EN)


# DMs carry what a public mention should not: order numbers, phone numbers, addresses.
DM_TEMPLATES_JA = (
    "DMで失礼します。注文番号{order}の件です。電話番号は090-1234-5678です",
    "先ほどの件、住所は〒150-0001 東京都渋谷区神宮前1-2-3です。注文は{order}",
    "返品の手続きをお願いします。注文番号は{order}、メールはhanako@example.jpです",
    "{date}に届く予定の{product}がまだ来ません。注文{order}",
)
DM_TEMPLATES_EN = (
    "Hi, following up by DM. My order is {order}, phone 03-1234-5678",
    "Here are my details: order {order}, email bob@example.com",
    "The {product} from order {order} arrived broken. What are my options?",
)


def make_dm_text(rng: random.Random, lang: str) -> str:
    """Return a customer's DM to the brand in `lang` (no @handle: it is private)."""
    templates = DM_TEMPLATES_JA if lang == "ja" else DM_TEMPLATES_EN
    return _fill(rng, rng.choice(templates), lang)
