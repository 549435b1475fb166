"""Tagging mentions: validated, allowed by role and claim, audited, atomic; suggestions."""

from __future__ import annotations

import unicodedata

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Employee, TagTermCount, mention_tags
from helpdesk.services import inbox, tagging
from helpdesk.services.errors import Forbidden, InvalidInput, Unprocessable
from tests.support.routing import make_tags, post


def _tags(mention_id: int) -> list[str]:
    return tagging.tags_by_mention([mention_id])[mention_id]


def test_set_tags_replaces_them_records_who_and_when_and_audits(app, x, make_employee):
    """Setting tags replaces the set; each row keeps who set it; the audit says what moved."""
    agent = make_employee("0427")
    make_tags("配送", "返品", "PC")
    [mention_id] = post(x, "荷物が届きません")
    tagging.set_mention_tags(mention_id, ["配送", "PC"], agent)
    assert _tags(mention_id) == ["PC", "配送"]
    tagging.set_mention_tags(mention_id, ["配送", "返品"], agent)
    assert _tags(mention_id) == ["返品", "配送"]
    rows = db.session.execute(
        sa.select(mention_tags.c.set_by_id, mention_tags.c.set_at).where(
            mention_tags.c.mention_id == mention_id
        )
    ).all()
    assert {r.set_by_id for r in rows} == {agent.id} and all(r.set_at for r in rows)
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "mention.tagged").order_by(AuditEvent.id)
    ).all()
    assert [e.details for e in events] == [
        '{"added": ["PC", "配送"], "removed": []}',
        '{"added": ["返品"], "removed": ["PC"]}',
    ]


def test_unknown_tags_are_refused_with_the_known_ones_and_nothing_changes(app, x, make_employee):
    """422 unknown_tag lists the unknown and the known names; the mention keeps its tags."""
    agent = make_employee("0427")
    make_tags("配送", "返品")
    [mention_id] = post(x, "質問")
    tagging.set_mention_tags(mention_id, ["配送"], agent)
    with pytest.raises(Unprocessable) as refused:
        tagging.set_mention_tags(mention_id, ["返品", "カメラ"], agent)
    assert refused.value.code == "unknown_tag"
    assert refused.value.extra == {"unknown": ["カメラ"], "known": ["返品", "配送"]}
    assert "返品, 配送" in refused.value.message
    assert _tags(mention_id) == ["配送"]


def test_names_are_nfc_normalised_deduplicated_and_at_most_ten(app, x, make_employee):
    """A decomposed name finds its tag, duplicates count once, an 11th distinct tag is refused."""
    agent = make_employee("0427")
    names = [f"t{i}" for i in range(11)]
    make_tags("ガイド", *names)
    [mention_id] = post(x, "質問")
    decomposed = unicodedata.normalize("NFD", "ガイド")
    assert decomposed != "ガイド"
    tagging.set_mention_tags(mention_id, [decomposed, "ガイド", " ガイド "], agent)
    assert _tags(mention_id) == ["ガイド"]
    tagging.set_mention_tags(mention_id, names[:10] * 2, agent)
    assert len(_tags(mention_id)) == 10
    with pytest.raises(Unprocessable) as refused:
        tagging.set_mention_tags(mention_id, names, agent)
    assert refused.value.code == "too_many_tags"


@pytest.mark.parametrize("names", [None, "配送", [1], [["配送"]], {"tags": []}])
def test_a_body_that_is_not_a_list_of_names_is_invalid(app, x, make_employee, names):
    """Anything but a list of strings is 400 invalid_tags."""
    agent = make_employee("0427")
    [mention_id] = post(x, "質問")
    with pytest.raises(InvalidInput) as refused:
        tagging.set_mention_tags(mention_id, names, agent)
    assert refused.value.code == "invalid_tags"


@pytest.mark.parametrize("name", ["配\x00送", "配\u200b送", "配\ud800送"])
def test_control_invisible_and_surrogate_characters_are_invalid_text(app, x, make_employee, name):
    """A name with a control, invisible or lone surrogate character is 400 invalid_text."""
    agent = make_employee("0427")
    make_tags("配送")
    [mention_id] = post(x, "質問")
    with pytest.raises(InvalidInput) as refused:
        tagging.set_mention_tags(mention_id, [name], agent)
    assert refused.value.code == "invalid_text"


def test_a_trainee_tags_only_a_mention_they_hold(app, x, make_employee):
    """Trainees need the claim; agents and supervisors tag any mention."""
    trainee = make_employee("0201", "trainee")
    supervisor = make_employee("0002", "supervisor")
    make_tags("配送")
    [mention_id] = post(x, "質問")
    with pytest.raises(Forbidden) as refused:
        tagging.set_mention_tags(mention_id, ["配送"], trainee)
    assert refused.value.code == "tag_needs_claim"
    assert _tags(mention_id) == []
    inbox.claim(mention_id, trainee)
    tagging.set_mention_tags(mention_id, ["配送"], trainee)
    tagging.set_mention_tags(mention_id, [], supervisor)
    assert _tags(mention_id) == []


def test_suggestions_from_the_text_by_name_and_by_lemma(app, x, make_employee):
    """A tag named in the text (配送 in 配送予定日), or whose lemma is (届く for 届きません)."""
    make_tags("配送", "届く", "返品", "camera")
    [mention_id] = post(x, "配送予定日を過ぎても届きません。Camera broken")
    names = [s.name for s in tagging.suggest_tags(mention_id)]
    assert sorted(names) == ["camera", "届く", "配送"]
    assert all(s.sources == ["text"] for s in tagging.suggest_tags(mention_id))


def test_suggestions_from_colleagues_rank_by_count_and_follow_removal(app, x, make_employee):
    """Tags set on mentions sharing terms are suggested by count; taking a tag off counts down."""
    agent = make_employee("0427")
    make_tags("配送", "返品", "初期不良")
    first, second, third, new = post(
        x, "ケーブルが断線", "ケーブルが断線しました", "ケーブルの断線", "ケーブルが断線した"
    )
    tagging.set_mention_tags(first, ["初期不良"], agent)
    tagging.set_mention_tags(second, ["初期不良", "返品"], agent)
    tagging.set_mention_tags(third, ["初期不良"], agent)
    found = tagging.suggest_tags(new)
    assert [(s.name, s.sources) for s in found] == [
        ("初期不良", ["colleagues"]),
        ("返品", ["colleagues"]),
    ]
    assert found[0].count > found[1].count > 0
    tagging.set_mention_tags(second, ["初期不良"], agent)
    assert [s.name for s in tagging.suggest_tags(new)] == ["初期不良"]
    assert db.session.scalar(sa.select(sa.func.min(TagTermCount.count))) >= 1


def test_at_most_five_suggestions(app, x, make_employee):
    """However many tags match, five are offered."""
    names = ["配送", "荷物", "遅延", "返品", "交換", "在庫"]
    make_tags(*names)
    [mention_id] = post(x, "配送の荷物が遅延、返品か交換か在庫を確認")
    assert len(tagging.suggest_tags(mention_id)) == 5


def test_the_demo_tags_a_few_of_its_first_mentions_once(app, x, make_employee):
    """seed_mention_tags waits for mentions, tags those naming a desk tag as 0103, and runs once."""
    from helpdesk.demo.seed import DEMO_EMPLOYEES, seed_mention_tags, seed_routing

    for number, role, _name in DEMO_EMPLOYEES:
        make_employee(number, role)
    seed_routing()
    assert seed_mention_tags() is False  # nothing stored yet: try again later
    [thanks] = post(x, "ありがとう！")
    assert seed_mention_tags() is False  # nothing fits yet: try again later
    delivery, returned, late = post(
        x, "配送状況を教えてください", "開封済みでも返品できますか？", "My refund never arrived"
    )
    assert seed_mention_tags() is True
    found = tagging.tags_by_mention([delivery, returned, late, thanks])
    assert found == {delivery: ["配送"], returned: ["返品"], late: ["返品", "配送"], thanks: []}
    setter = db.session.scalar(sa.select(mention_tags.c.set_by_id).limit(1))
    assert setter == db.session.scalar(sa.select(Employee.id).where(Employee.number == "0103"))
    tagging.set_mention_tags(delivery, [], db.session.get(Employee, setter))
    assert seed_mention_tags() is True  # tags there already (返品): nothing more
    assert tagging.tags_by_mention([delivery])[delivery] == []


def test_concurrent_tag_sets_on_one_mention_leave_one_whole_set_and_exact_counts(
    app, x, make_employee
):
    """Ten staff set different tags on one mention at the same instant: it ends with exactly
    one of the sets, every call succeeds, and the colleagues' counts match what it carries."""
    import threading

    staff = [make_employee(f"05{n:02d}").id for n in range(10)]
    make_tags("配送", "返品", "交換", "PC")
    [mention_id] = post(x, "届いた商品を交換したい")
    choices = [["配送"], ["返品", "交換"], ["PC"], ["配送", "返品"], []] * 2
    db.session.rollback()  # end the test's transaction (on SQLite it holds the write lock)
    barrier = threading.Barrier(len(staff))
    errors: list[str] = []

    def tag_it(employee_id: int, names: list[str]) -> None:
        with app.app_context():
            employee = db.session.get(Employee, employee_id)
            db.session.rollback()
            barrier.wait(timeout=30)
            try:
                tagging.set_mention_tags(mention_id, names, employee)
            except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=tag_it, args=(e, c)) for e, c in zip(staff, choices, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    final = _tags(mention_id)
    assert sorted(final) in [sorted(c) for c in choices]
    terms = tagging.text_terms("届いた商品を交換したい")
    counts = db.session.execute(sa.select(TagTermCount.term, TagTermCount.tag_id)).all()
    tag_ids = set(
        db.session.scalars(
            sa.select(mention_tags.c.tag_id).where(mention_tags.c.mention_id == mention_id)
        )
    )
    assert sorted(counts) == sorted((term, t) for term in terms for t in tag_ids)
    assert set(db.session.scalars(sa.select(TagTermCount.count))) <= {1}
