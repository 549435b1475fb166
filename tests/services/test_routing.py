"""Next: the most urgent fitting open mention, claimed atomically, within capacity, audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Employee, Mention, Role
from helpdesk.models.types import utcnow
from helpdesk.services import escalation, inbox, routing, skills
from helpdesk.services.errors import Conflict
from tests.support.routing import at, forget_presence_writes, high, make_tags, online, post, tag


def set_skills(employee, languages=("ja",), tags=(), capacity=3, actor=None):
    actor = actor or db.session.scalar(
        sa.select(type(employee)).where(type(employee).role == Role.ADMIN)
    )
    skills.set_skills(employee, list(languages), list(tags), capacity, actor=actor)


@pytest.fixture(autouse=True)
def _fresh_presence(app):
    """Each test starts with nobody seen (the app fixture flushed Redis)."""
    forget_presence_writes(app)


@pytest.fixture
def desk(make_employee):
    """An admin to set skills, and two agents: 0101 (ja) and 0102 (en)."""
    make_employee("0001", "admin")
    ja, en = make_employee("0101"), make_employee("0102")
    set_skills(ja, ["ja"])
    set_skills(en, ["en"])
    return ja, en


def test_escalated_first_then_sla_due_time_then_oldest(app, x, desk):
    """Escalated beats everything; a newer high-priority mention due sooner beats an older
    normal one; equal due times go to the customer's older post."""
    ja, _ = desk
    now = utcnow()
    old, older_normal, urgent, escalated = post(x, "こんにちは1", "こんにちは2", "至急3", "相談4")
    at(old, now - timedelta(minutes=10))
    at(older_normal, now - timedelta(minutes=20))  # due in 40 min
    at(urgent, now - timedelta(minutes=1))
    high(urgent)  # due in 14 min
    at(escalated, now - timedelta(minutes=2))
    supervisor = db.session.scalar(sa.select(type(ja)).where(type(ja).number == "0001"))
    escalation.escalate(escalated, supervisor, "angry customer")
    set_skills(ja, ["ja"], capacity=10)
    order = [routing.next_for(ja).id for _ in range(4)]
    assert order == [escalated, urgent, older_normal, old]
    assert routing.next_for(ja) is None


def test_the_tweet_id_breaks_a_tie_of_the_customers_time(app, x, desk):
    """Two mentions posted at the same instant go in tweet-id order."""
    ja, _ = desk
    first, second = post(x, "質問A", "質問B")
    same = utcnow() - timedelta(minutes=3)
    at(first, same)
    at(second, same)
    assert [routing.next_for(ja).id, routing.next_for(ja).id] == [first, second]


def test_language_is_skipped_only_while_a_fitting_colleague_is_online(app, x, desk):
    """An English mention waits for the online English agent; with nobody fitting online, the
    Japanese agent gets it rather than letting it wait."""
    ja, en = desk
    english, japanese = post(x, "my order is late", "注文が届きません")
    at(english, utcnow() - timedelta(minutes=30))
    online(ja, en)
    assert routing.next_for(ja).id == japanese
    assert routing.next_for(ja) is None  # the English one is 0102's
    assert routing.next_for(en).id == english


def test_nobody_fitting_online_means_anyone_takes_it(app, x, desk):
    """With the English agent offline, the Japanese agent is handed the English mention."""
    ja, en = desk
    [english] = post(x, "where is my parcel")
    online(ja)
    assert db.session.get(Mention, english).language == "en"
    assert routing.next_for(ja).id == english


def test_expertise_tags_route_to_the_expert_while_one_is_online(app, x, desk, make_employee):
    """A カメラ mention skips the generalist while the camera expert is online; untagged
    mentions fit everyone who speaks their language."""
    ja, _ = desk
    expert = make_employee("0103")
    ids = make_tags("カメラ", "配送")
    set_skills(expert, ["ja"], ["カメラ"])
    camera, plain = post(x, "カメラのレンズが曇る", "営業時間は？")
    at(camera, utcnow() - timedelta(minutes=30))
    tag(camera, ids["カメラ"])
    online(ja, expert)
    assert routing.next_for(ja).id == plain
    assert routing.next_for(ja) is None
    assert routing.next_for(expert).id == camera


def test_a_trainee_is_routed_only_the_tags_their_supervisor_allows(app, x, desk, make_employee):
    """A trainee allowed 配送 gets the 配送 mention, never an untagged one, even alone online."""
    trainee = make_employee("0201", "trainee")
    ids = make_tags("配送")
    plain, delivery = post(x, "ありがとう", "配送状況を教えて")
    at(plain, utcnow() - timedelta(minutes=30))
    tag(delivery, ids["配送"])
    assert routing.next_for(trainee) is None  # no tags allowed yet: nothing
    set_skills(trainee, ["ja"], ["配送"])
    assert routing.next_for(trainee).id == delivery
    assert routing.next_for(trainee) is None


def test_never_above_capacity(app, x, desk):
    """At capacity, Next refuses with at_capacity and the counts; releasing one frees a slot."""
    ja, _ = desk
    set_skills(ja, ["ja"], capacity=2)
    ids = post(x, "一", "二", "三")
    got = [routing.next_for(ja).id, routing.next_for(ja).id]
    with pytest.raises(Conflict) as refused:
        routing.next_for(ja)
    assert refused.value.code == "at_capacity"
    assert refused.value.extra == {"open_claims": 2, "capacity": 2}
    assert routing.open_claims(ja) == 2
    inbox.release(got[0], ja)
    assert routing.next_for(ja).id in set(ids) - {got[1]}


def test_claims_held_by_others_and_closed_mentions_are_never_handed_out(app, x, desk):
    """A mention someone holds, or one dismissed, is not Next's to give."""
    ja, en = desk
    held, closed = post(x, "保留", "終了")
    set_skills(en, ["en", "ja"])
    inbox.claim(held, en)
    inbox.dismiss(closed, en, "spam")
    assert routing.next_for(ja) is None


def test_an_expired_claim_is_handed_out_again(app, x, desk):
    """A claim past its expiry no longer holds the mention back."""
    ja, en = desk
    [mention_id] = post(x, "期限切れ")
    set_skills(en, ["en", "ja"])
    inbox.claim(mention_id, en)
    db.session.execute(sa.update(Mention).values(claim_expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert routing.next_for(ja).id == mention_id


def test_every_assignment_is_audited(app, x, desk):
    """Next writes mention.assigned with by=routing and the desk's mode."""
    ja, _ = desk
    [mention_id] = post(x, "監査")
    routing.next_for(ja)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "mention.assigned"))
    assert (event.actor_number, event.subject_id) == ("0101", str(mention_id))
    assert '"by": "routing"' in event.details and '"mode": "pull"' in event.details


def test_next_mode_leaves_agents_only_their_own_claims_to_extend(app, x, desk):
    """In next mode an agent cannot claim from the list (409 routing_next_only) but can extend
    what Next gave them; a supervisor still claims anything."""
    ja, _ = desk
    supervisor = db.session.scalar(sa.select(type(ja)).where(type(ja).number == "0001"))
    first, second = post(x, "一件目", "二件目")
    routing.set_routing_mode("next", actor=supervisor)
    with pytest.raises(Conflict) as refused:
        inbox.claim(second, ja)
    assert refused.value.code == "routing_next_only"
    assert routing.next_for(ja).id == first
    assert inbox.claim(first, ja).claimed_by_id == ja.id  # extending is fine
    assert inbox.claim(second, supervisor).claimed_by_id == supervisor.id


def test_routing_mode_is_validated_and_only_supervisors_set_it(app, desk):
    """An unknown mode is refused with the list; an agent may not change it."""
    ja, _ = desk
    supervisor = db.session.scalar(sa.select(type(ja)).where(type(ja).number == "0001"))
    with pytest.raises(Exception) as bad:
        routing.set_routing_mode("round-robin", actor=supervisor)
    assert bad.value.code == "invalid_mode" and bad.value.extra["modes"] == ["pull", "next", "auto"]
    with pytest.raises(Exception) as forbidden:
        routing.set_routing_mode("next", actor=ja)
    assert forbidden.value.code == "forbidden"
    assert routing.routing_mode().value == "pull"


def test_language_is_detected_at_ingest(app, x):
    """Kana or kanji make a mention ja; anything else en (half-width kana too)."""
    ids = post(x, "届かない", "late again", "ｶﾒﾗ", "漢字", "café")
    languages = [db.session.get(Mention, i).language for i in ids]
    assert languages == ["ja", "en", "ja", "ja", "en"]


def test_the_demo_seeds_tags_and_skills_once(app, make_employee):
    """The demo's agents get languages, tags and capacity; a second run changes nothing."""
    from helpdesk.demo.seed import DEMO_EMPLOYEES, DEMO_TAGS, seed_routing

    for number, role, _name in DEMO_EMPLOYEES:
        make_employee(number, role)
    seed_routing()
    assert skills.known_tag_names() == sorted(DEMO_TAGS)
    worker = db.session.scalar(sa.select(Employee).where(Employee.number == "0103"))
    assert (worker.language_list, worker.capacity) == (["ja", "en"], 4)
    set_skills(worker, ["ja"], capacity=2)  # a supervisor changes it later
    seed_routing()
    db.session.expire_all()
    assert (worker.language_list, worker.capacity) == (["ja"], 2)
    trainee = db.session.scalar(sa.select(Employee).where(Employee.number == "0201"))
    assert skills.tags_by_employee([trainee.id])[trainee.id] == ["配送"]
