"""Listening on a constructed set of mentions whose figures are worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Mention, Priority
from helpdesk.services import listening
from helpdesk.services.errors import InvalidInput
from tests.services.test_escalation import ingest

START = datetime(2026, 3, 1, 15, tzinfo=UTC)  # 2026-03-02 00:00 in Tokyo
END = START + timedelta(days=1)
TZ = "Asia/Tokyo"


def at(hour: int, minute: int = 0, days: int = 0) -> datetime:
    """hour:minute in Tokyo on 2026-03-02, `days` later (negative: earlier)."""
    return START + timedelta(days=days, hours=hour, minutes=minute)


def place(mention_id: int, created_at: datetime) -> None:
    db.session.execute(
        sa.update(Mention).where(Mention.id == mention_id).values(created_at=created_at)
    )


def copies(template_id: int, times: list[datetime]) -> None:
    """More mentions like `template_id` (same author and brand) at the given times."""
    template = db.session.get(Mention, template_id)
    top = db.session.scalar(sa.select(sa.func.max(Mention.tweet_id)))
    db.session.execute(
        sa.insert(Mention),
        [
            {
                "tweet_id": top + n + 1,
                "brand_account_id": template.brand_account_id,
                "author_x_id": template.author_x_id,
                "text": template.text,
                "created_at": when,
                "priority": Priority.NORMAL,
            }
            for n, when in enumerate(times)
        ],
    )


@pytest.fixture
def desk(app, x):
    """17 mentions on 2026-03-02 (Tokyo): five at 09-10h, a planted spike of six at 14h, six at
    20h as on each of the previous 28 days; one more before the period that must not count."""
    texts = [
        "@acme_help ヘッドホンが届かない #返品",
        "@acme_help ヘッドホンが壊れた ＃返品 https://t.co/abc123",
        "@acme_help My headphones are broken, acme_help please help @other_shop #Fail",
        "@acme_help 最悪です、ふざけないで",
        "@acme_help 遅い!!",
        *["@acme_help アプリが落ちる #障害"] * 6,
        *["@acme_help こんばんは"] * 6,
        "@acme_help 前の日のヘッドホン",
    ]
    ids = ingest(x, *texts)
    minutes = [(9, 10), (9, 40), (10, 5), (10, 20), (10, 30)]
    minutes += [(14, 5 * n) for n in range(6)] + [(20, 5 * n) for n in range(6)]
    for mention_id, (hour, minute) in zip(ids, minutes, strict=False):
        place(mention_id, at(hour, minute))
    place(ids[-1], at(23, 0, days=-1))
    evening = [at(20, 5 * n, days=-d) for d in range(1, 29) for n in range(6)]
    copies(ids[11], evening)
    db.session.commit()
    return ids


def test_volume_is_counted_per_hour_in_the_desk_zone(desk):
    """A day is drawn per hour of Tokyo time, with the hand-counted mentions in each hour."""
    found = listening.listening(START, END, TZ)
    assert found["bucket"] == "hour" and found["total"] == 17
    counts = {v["start"]: v["count"] for v in found["volume"]}
    assert len(counts) == 24
    assert counts[at(9)] == 2 and counts[at(10)] == 3 and counts[at(14)] == 6
    assert counts[at(20)] == 6 and counts[at(11)] == 0
    assert sum(counts.values()) == 17


def test_a_planted_spike_is_flagged_and_a_usual_busy_hour_is_not(desk):
    """14h (six against nothing) is a spike; 20h (six, as every evening) and 09h are not."""
    found = listening.listening(START, END, TZ)
    assert [s["start"] for s in found["spikes"]] == [at(14)]
    rows = {v["start"]: v for v in found["volume"]}
    assert rows[at(14)]["usual"] == 0 and rows[at(14)]["threshold"] == listening.MIN_SPIKE
    assert rows[at(20)]["usual"] == 6 and rows[at(20)]["threshold"] == 9  # 6 + 3 * 1
    assert not rows[at(20)]["spike"] and not rows[at(9)]["spike"]


def test_the_spike_rule_is_median_plus_k_mad():
    """median + 3 * max(1.4826 * MAD, 1), never under MIN_SPIKE."""
    history = [10, 12, 8, 10, 14, 6, 10]  # median 10, MAD 2
    assert listening._spike_threshold(history) == pytest.approx(10 + 3 * 1.4826 * 2)
    assert listening._spike_threshold([0] * 28) == listening.MIN_SPIKE
    assert listening._spike_threshold([20] * 28) == 23


def test_top_terms_are_fugashi_lemmas_and_english_words(desk):
    """Japanese nouns and verbs by lemma (届かない -> 届く), English lower-cased; no URL, handle,
    @mention, hashtag or particle is a term, and a word counts once per mention."""
    found = listening.listening(START, END, TZ)
    terms = {t["term"]: t["count"] for t in found["top_terms"]}
    assert terms["アプリ"] == 6 and terms["落ちる"] == 6
    assert terms["ヘッドホン"] == 2 and terms["届く"] == 1 and terms["壊れる"] == 1
    assert terms["headphones"] == 1 and terms["broken"] == 1 and terms["最悪"] == 1
    for absent in ("acme_help", "other_shop", "https", "t.co", "返品", "fail", "が", "please"):
        assert absent not in terms
    assert found["top_terms"][0]["term"] in ("アプリ", "落ちる")


def test_terms_of_one_text():
    """ヘッドホンが届かない gives ヘッドホン and 届く; the brand's own name is left out."""
    assert listening.terms("ヘッドホンが届かない") == ["ヘッドホン", "届く"]
    assert listening.terms("Thanks ACME_HELP, the Speaker works", "acme_help") == [
        "thanks",
        "speaker",
        "works",
    ]


def test_hashtags_fold_width_and_case(desk):
    """# and full-width ＃, Japanese tags included; #Fail and #fail are one tag."""
    found = listening.listening(START, END, TZ)
    assert found["top_hashtags"] == [
        {"term": "#障害", "count": 6},
        {"term": "#返品", "count": 2},
        {"term": "#fail", "count": 1},
    ]
    assert listening.hashtags("＃ＳＡＬＥ #123 a#b #新製品") == ["#sale", "#新製品"]


def test_shares_by_priority_and_tone(desk):
    """One angry mention (two negative words: high priority), one negative ("!!"), 15 neutral."""
    found = listening.listening(START, END, TZ)
    priority = {s["name"]: s["count"] for s in found["by_priority"]}
    assert priority == {"normal": 16, "high": 1}
    tone = {s["name"]: (s["count"], s["share"]) for s in found["by_tone"]}
    assert tone == {"angry": (1, 1 / 17), "negative": (1, 1 / 17), "neutral": (15, 15 / 17)}
    assert found["sample"] == 17


def test_long_periods_are_drawn_per_day_with_their_spikes(desk):
    """Over a week the volume is per Tokyo day; the day holding the spike says so."""
    found = listening.listening(END - timedelta(days=7), END, TZ)
    assert found["bucket"] == "day" and len(found["volume"]) == 7
    last = found["volume"][-1]
    assert last["start"] == START and last["count"] == 17 and last["spikes"] == 1
    assert found["volume"][-2]["count"] == 6 + 1  # the evening copies and the one before


def test_the_text_sample_is_capped(desk, monkeypatch):
    """Past MAX_TEXTS only the newest texts are tokenised, and the answer says how many."""
    monkeypatch.setattr(listening, "MAX_TEXTS", 5)
    found = listening.listening(START, END, TZ)
    assert found["sample"] == 5 and found["total"] == 17
    assert {t["term"] for t in found["top_terms"]} == set()  # こんばんは is an interjection


def test_an_empty_or_reversed_period_is_refused(app):
    """from must be before to."""
    with pytest.raises(InvalidInput):
        listening.listening(END, START, TZ)


# Product and service words customers write; UniDic cuts each into two or three short units.
COMPOUNDS = """
充電器 保証書 返品受付 配送状況 ポイントカード クレジットカード 領収書 会員登録 注文番号
送料無料 取扱説明書 電源ケーブル 充電ケーブル 交換手続き 返金申請 配送業者 発送予定日
在庫切れ 初期不良 修理受付 保証期間 会員証 電子マネー 定期購入 自動更新 解約手続き
ログイン画面 パスワード再設定 通信障害 料金プラン 支払方法 商品券 割引クーポン 配達日時
宅配ボックス 代金引換 延長保証 修理依頼 スマートフォン ワイヤレスイヤホン モバイルバッテリー
請求書 納品書 追跡番号 配送料 再配達 公式アプリ カスタマーサポート 問い合わせ窓口
""".split()


@pytest.mark.parametrize("compound", COMPOUNDS)
def test_a_compound_noun_is_one_term(compound):
    """Each product or service compound comes back whole, with none of its short units."""
    assert len(COMPOUNDS) >= 30
    for text in (f"{compound}が届かないのですが", f"@acme_help 昨日の{compound}について質問です"):
        found = listening.terms(text, "acme_help")
        assert compound in found, (text, found)
        assert not [t for t in found if t != compound and t in compound], (text, found)


def test_compounds_leave_single_words_and_their_neighbours_alone():
    """Single words keep their lemma; time words, polite prefixes and numbers stay outside."""
    assert listening.terms("ヘッドホンが届かない") == ["ヘッドホン", "届く"]
    assert listening.terms("購入後すぐに充電器が壊れた") == ["購入", "充電器", "壊れる"]
    assert listening.terms("お問い合わせ窓口に電話しました") == ["問い合わせ窓口", "電話"]
    assert listening.terms("3日前に注文した商品") == ["注文", "商品"]
    assert listening.terms("スマートな対応") == ["対応"]


def test_top_terms_show_what_customers_wrote(app, x):
    """After 20 mentions of 充電器 and 20 of クレジットカード the top terms are those words,
    not 充電, クレジット or カード."""
    texts = [f"@acme_help 充電器が{n}回目も壊れた" for n in range(20)]
    texts += [f"@acme_help クレジットカードが使えない({n})" for n in range(20)]
    ingest(x, *texts)
    now = datetime.now(UTC)
    db.session.execute(sa.update(Mention).values(created_at=now))
    db.session.commit()
    found = listening.listening(now - timedelta(hours=1), now + timedelta(hours=1), TZ)
    top = {t["term"]: t["count"] for t in found["top_terms"]}
    assert top["充電器"] == 20 and top["クレジットカード"] == 20
    assert not {"充電", "器", "クレジット", "カード"} & set(top)
