"""Routing: the desk's mode, who is fit for which mention, and Next (a claim chosen for me)."""

from __future__ import annotations

import heapq
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from helpdesk.extensions import db
from helpdesk.models import (
    DeskSetting,
    Employee,
    Mention,
    MentionStatus,
    Priority,
    Role,
    RoutingMode,
    employee_tags,
    mention_tags,
)
from helpdesk.models.types import utcnow
from helpdesk.services import audit, presence, process_cache, rule_cache
from helpdesk.services.errors import Conflict, Forbidden, InvalidInput
from helpdesk.services.skills import tags_by_employee

logger = logging.getLogger(__name__)

MODE_KEY = "routing_mode"
BATCH = 25  # candidates read per (escalated, priority) stream and page
_HELD = sa.alias(Mention.__table__, "held")  # the claimer's open claims, in the capped UPDATE


def routing_mode(*, for_page: bool = False) -> RoutingMode:
    """The desk's routing mode (pull until a supervisor chooses otherwise); `for_page`: as
    this process last read it (process_cache), for what a page offers, never for a check."""
    if for_page:
        return process_cache.cached(MODE_KEY, routing_mode)
    value = db.session.get(DeskSetting, MODE_KEY)
    return RoutingMode(value.value) if value is not None else RoutingMode.PULL


def set_routing_mode(mode: object, *, actor: Employee) -> RoutingMode:
    """Set the desk's routing mode (supervisors); audited."""
    if not actor.can(Role.SUPERVISOR):
        raise Forbidden("Only supervisors choose the routing mode.")
    modes = [m.value for m in RoutingMode]
    if not isinstance(mode, str) or mode not in modes:
        raise InvalidInput(
            f"mode must be one of {', '.join(modes)}.", code="invalid_mode", modes=modes
        )
    before = routing_mode()
    row = db.session.get(DeskSetting, MODE_KEY)
    if row is None:
        row = DeskSetting(key=MODE_KEY, value=mode)
        db.session.add(row)
    row.value, row.updated_at = mode, utcnow()
    audit.record(
        "routing.mode_changed", "desk", MODE_KEY, actor=actor, before=before.value, after=mode
    )
    db.session.commit()
    process_cache.changed(MODE_KEY)
    return RoutingMode(mode)


def may_pick(employee: Employee, *, for_page: bool = False) -> bool:
    """Whether the employee may claim from the list: always in pull mode; supervisors always
    (`for_page`: the mode as routing_mode(for_page=True) reads it)."""
    return employee.can(Role.SUPERVISOR) or routing_mode(for_page=for_page) is RoutingMode.PULL


def check_may_claim(mention_id: int, employee: Employee) -> None:
    """In `next` mode an agent only extends a claim they hold; new work comes by Next (409)."""
    if may_pick(employee):
        return
    mention = db.session.get(Mention, mention_id)
    holder = mention.claim_holder(utcnow()) if mention is not None else None
    if mention is not None and (holder is None or holder.id != employee.id):
        raise Conflict(
            "The desk routes work: press Next to get a mention.", code="routing_next_only"
        )


@dataclass(frozen=True)
class Profile:
    """What routing needs to know of an employee: languages, expertise, trainee or not."""

    languages: frozenset[str]
    tag_ids: frozenset[int]
    strict: bool  # a trainee: routed only mentions carrying one of their tags

    def fits(self) -> sa.ColumnElement[bool]:
        """SQL: the mention is in one of my languages and, when tagged, has a tag of mine."""
        language_ok = sa.or_(Mention.language.is_(None), Mention.language.in_(self.languages))
        mine = (
            sa.exists().where(
                mention_tags.c.mention_id == Mention.id, mention_tags.c.tag_id.in_(self.tag_ids)
            )
            if self.tag_ids
            else sa.false()
        )
        if self.strict:
            return sa.and_(language_ok, mine)
        untagged = ~sa.exists().where(mention_tags.c.mention_id == Mention.id)
        return sa.and_(language_ok, sa.or_(untagged, mine))

    def admits(self, mention: Waiting) -> bool:
        """The same rule as `fits`, in Python, for a waiting mention already read."""
        if mention.language is not None and mention.language not in self.languages:
            return False
        if mention.tag_ids & self.tag_ids:
            return True
        return not self.strict and not mention.tag_ids


@dataclass(frozen=True)
class Waiting:
    """A claimable mention as routing reads it: Next's sort key, language and tags."""

    key: tuple  # (not escalated, SLA due, customer's time, tweet id)
    id: int
    language: str | None
    tag_ids: frozenset[int] = frozenset()


def tags_of(mention_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """The tag ids on each of these mentions, in one query (untagged ones are left out)."""
    ids = list(mention_ids)
    found: dict[int, set[int]] = {}
    if ids:
        rows = db.session.execute(
            sa.select(mention_tags.c.mention_id, mention_tags.c.tag_id).where(
                mention_tags.c.mention_id.in_(ids)
            )
        )
        for mention_id, tag_id in rows:
            found.setdefault(mention_id, set()).add(tag_id)
    return {mention_id: frozenset(tags) for mention_id, tags in found.items()}


def profiles(employee_list: list[Employee]) -> dict[int, Profile]:
    """Each employee's routing profile, their tags read in one query."""
    ids = [e.id for e in employee_list]
    tags: dict[int, set[int]] = {i: set() for i in ids}
    if ids:
        rows = db.session.execute(
            sa.select(employee_tags.c.employee_id, employee_tags.c.tag_id).where(
                employee_tags.c.employee_id.in_(ids)
            )
        )
        for employee_id, tag_id in rows:
            tags[employee_id].add(tag_id)
    return {
        e.id: Profile(
            frozenset(e.language_list), frozenset(tags[e.id]), strict=e.role is Role.TRAINEE
        )
        for e in employee_list
    }


def routable_for(employee: Employee) -> sa.ColumnElement[bool]:
    """SQL: what Next may hand this employee: what fits them, and (unless a trainee) anything
    no fitting colleague online could take (agents and trainees online count, not supervisors)."""
    online = presence.online_ids() - {employee.id}
    colleagues = (
        list(
            db.session.scalars(
                sa.select(Employee).where(
                    Employee.id.in_(online),
                    Employee.active.is_(True),
                    Employee.role.in_([Role.AGENT, Role.TRAINEE]),
                )
            )
        )
        if online
        else []
    )
    by_id = profiles([employee, *colleagues])
    mine = by_id.pop(employee.id)
    if mine.strict:
        return mine.fits()
    return sa.or_(mine.fits(), ~anyone_fits(list(by_id.values())))


def anyone_fits(others: list[Profile]) -> sa.ColumnElement[bool]:
    """SQL: at least one of these profiles fits the mention.

    Folded into one clause per language, however many colleagues are online: for language
    l, someone fits when the mention is untagged and someone (not a trainee) answers in l,
    or it carries a tag that someone answering in l holds.
    """
    if not others:
        return sa.false()
    untagged_languages: set[str] = set()
    tags_by_language: dict[str, set[int]] = {}
    all_tags: set[int] = set()
    for profile in others:
        all_tags |= profile.tag_ids
        for language in profile.languages:
            tags_by_language.setdefault(language, set()).update(profile.tag_ids)
            if not profile.strict:
                untagged_languages.add(language)
    untagged = ~sa.exists().where(mention_tags.c.mention_id == Mention.id)

    def tagged_with(tag_ids: set[int]) -> sa.ColumnElement[bool]:
        if not tag_ids:
            return sa.false()
        return sa.exists().where(
            mention_tags.c.mention_id == Mention.id, mention_tags.c.tag_id.in_(tag_ids)
        )

    anyone_untagged = any(not p.strict for p in others)
    clauses = [
        sa.and_(  # a mention without a language fits every profile's languages
            Mention.language.is_(None),
            sa.or_(untagged if anyone_untagged else sa.false(), tagged_with(all_tags)),
        )
    ]
    for language, tag_ids in sorted(tags_by_language.items()):
        clauses.append(
            sa.and_(
                Mention.language == language,
                sa.or_(
                    untagged if language in untagged_languages else sa.false(),
                    tagged_with(tag_ids),
                ),
            )
        )
    return sa.or_(*clauses)


def open_claims(employee: Employee, now: datetime | None = None) -> int:
    """How many open mentions the employee holds a live claim on."""
    now = now or utcnow()
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Mention)
        .where(
            Mention.status == MentionStatus.OPEN,
            Mention.claimed_by_id == employee.id,
            Mention.claim_expires_at > now,
        )
    )


def open_claims_by_employee(now: datetime | None = None) -> dict[int, int]:
    """Live claims on open mentions, per employee id (those holding none are left out)."""
    now = now or utcnow()
    rows = db.session.execute(
        sa.select(Mention.claimed_by_id, sa.func.count())
        .where(
            Mention.status == MentionStatus.OPEN,
            Mention.claimed_by_id.is_not(None),
            Mention.claim_expires_at > now,
        )
        .group_by(Mention.claimed_by_id)
    )
    return {employee_id: count for employee_id, count in rows}


def next_for(employee: Employee, *, by: str = "routing") -> Mention | None:
    """Claim for `employee` the most urgent open mention they are fit for, or None.

    `by` is "routing" when they pressed Next, "auto" when the desk handed it to them (the
    audit's actor is then the desk, and the event names the employee).

    Escalated first, then by SLA due time, then the customer's time and tweet id; never
    above their capacity (409 at_capacity). Each pick is the claim's own conditional UPDATE,
    so two employees pressing Next at once never get the same mention: the loser's UPDATE
    touches no row and they try the next candidate.
    """
    if not employee.can(Role.TRAINEE) or not employee.active:
        raise Forbidden("Only employees on the desk take work.")
    lock_employee(employee.id)  # one Next at a time per employee: the capacity check holds
    now = utcnow()
    holding = open_claims(employee, now)
    if holding >= employee.capacity:
        raise Conflict(
            f"You hold {holding} claims; your capacity is {employee.capacity}.",
            code="at_capacity",
            open_claims=holding,
            capacity=employee.capacity,
        )
    routable = routable_for(employee)
    taken = claim_first(waiting(now, lambda: routable), employee.id, now)
    if taken is None:
        return None
    if by == "routing":
        record_assignment(taken.id, mode=routing_mode(), by=employee)
    else:
        record_assignment(taken.id, mode=routing_mode(), to=employee.number)
    db.session.commit()
    return db.session.get(Mention, taken.id)


def claim_first(
    candidates: Iterable[Waiting], employee_id: int, now: datetime, *, cap: int | None = None
) -> Waiting | None:
    """Claim for the employee the first of `candidates` still free (in their order), or None.

    `cap`: the UPDATE itself also checks the employee's open claims stay below it (the auto
    pass, which does not count them under the employee's lock first as Next does).
    """
    ttl = timedelta(seconds=current_app.config["HELPDESK"].claim_ttl_seconds)
    for candidate in candidates:
        if _take(candidate.id, employee_id, now, ttl, cap=cap):
            return candidate
    return None


def record_assignment(
    mention_id: int, *, mode: RoutingMode, by: Employee | None = None, to: str | None = None
) -> None:
    """Audit one assignment: by the employee who pressed Next, or by the desk (auto) to an
    employee's number."""
    handed = {"to": to} if by is None else {}
    audit.record(
        "mention.assigned",
        "mention",
        mention_id,
        actor=by,
        by="routing" if by is not None else "auto",
        mode=mode.value,
        **handed,
    )


def lock_employee(employee_id: int) -> None:
    """PostgreSQL: lock the employee's row; SQLite's IMMEDIATE transaction already serializes."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.select(Employee.id).where(Employee.id == employee_id).with_for_update()
        )


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        Mention.status == MentionStatus.OPEN,
        sa.or_(Mention.claimed_by_id.is_(None), Mention.claim_expires_at <= now),
    )


def waiting(
    now: datetime,
    where: Callable[[], sa.ColumnElement[bool]],
    *,
    batch: int = BATCH,
    with_tags: bool = False,
) -> Iterator[Waiting]:
    """Claimable mentions for which `where()` holds, most urgent first, read page by page
    only as far as the caller iterates (`where` is asked again for each page).

    Within one (escalated, priority) stream the due time is the customer's time plus one SLA,
    so each stream is read in (created_at, tweet_id) order from the customers' index and the
    streams are merged here: no date arithmetic in SQL, the same on SQLite and PostgreSQL.
    """
    streams = [
        _stream(now, where, escalated, priority, batch, with_tags)
        for escalated in (True, False)
        for priority in Priority
    ]
    return heapq.merge(*streams, key=lambda w: (w.key, w.id))


def _stream(
    now: datetime,
    where: Callable[[], sa.ColumnElement[bool]],
    escalated: bool,
    priority: Priority,
    batch: int,
    with_tags: bool,
) -> Iterator[Waiting]:
    """One (escalated, priority) stream in the customers' order, `batch` rows a page."""
    sla = timedelta(seconds=rule_cache.sla_seconds(priority))
    after: tuple[datetime, int] | None = None
    while True:
        query = sa.select(Mention.id, Mention.created_at, Mention.tweet_id, Mention.language).where(
            _claimable(now),
            Mention.priority == priority,
            Mention.escalated_at.is_not(None) if escalated else Mention.escalated_at.is_(None),
            where(),
        )
        if after is not None:
            query = query.where(
                sa.or_(
                    Mention.created_at > after[0],
                    sa.and_(Mention.created_at == after[0], Mention.tweet_id > after[1]),
                )
            )
        rows = db.session.execute(
            query.order_by(Mention.created_at, Mention.tweet_id).limit(batch)
        ).all()
        tags = tags_of(row.id for row in rows) if with_tags and rows else {}
        for mention_id, created_at, tweet_id, language in rows:
            key = (not escalated, created_at + sla, created_at, tweet_id)
            yield Waiting(key, mention_id, language, tags.get(mention_id, frozenset()))
        if len(rows) < batch:
            return
        after = rows[-1].created_at, rows[-1].tweet_id


def _take(
    mention_id: int, employee_id: int, now: datetime, ttl: timedelta, *, cap: int | None
) -> bool:
    """The claim's conditional UPDATE: one row when the mention is still open and free (and,
    given a `cap`, the employee still holds fewer claims)."""
    conditions = [Mention.id == mention_id, _claimable(now)]
    if cap is not None:
        held = _HELD
        holding = (
            sa.select(sa.func.count())
            .select_from(held)
            .where(
                held.c.status == MentionStatus.OPEN,
                held.c.claimed_by_id == employee_id,
                held.c.claim_expires_at > now,
            )
            .scalar_subquery()
        )
        conditions.append(holding < cap)
    result = db.session.execute(
        sa.update(Mention)
        .where(*conditions)
        .values(claimed_by_id=employee_id, claim_expires_at=now + ttl)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


@dataclass(frozen=True)
class RosterRow:
    """One employee as supervisors see routing: presence, load and skills."""

    employee: Employee
    state: presence.PresenceState
    open_claims: int
    tags: list[str]


def roster(employee_list: list[Employee] | None = None) -> list[RosterRow]:
    """Every active employee (or those given) with presence, open claims and expertise tags:
    three queries and two Redis reads, whatever the desk's size."""
    if employee_list is None:
        employee_list = list(
            db.session.scalars(
                sa.select(Employee)
                .where(Employee.active.is_(True))
                .order_by(sa.func.length(Employee.number), Employee.number)
            )
        )
    ids = [e.id for e in employee_list]
    states = presence.states(ids)
    claims = open_claims_by_employee()
    tags = tags_by_employee(ids)
    return [RosterRow(e, states[e.id], claims.get(e.id, 0), tags[e.id]) for e in employee_list]
