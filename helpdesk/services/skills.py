"""Employees' routing skills (languages, expertise tags, capacity) and the desk's list of tags."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Employee, Role, Tag, employee_tags
from helpdesk.models.routing import MAX_TAG
from helpdesk.services import audit, process_cache
from helpdesk.services.errors import Conflict, Forbidden, InvalidInput, Unprocessable
from helpdesk.services.languages import MENTION_LANGUAGES

MIN_CAPACITY, MAX_CAPACITY = 1, 20
CACHE_NAME = "tags"  # services/process_cache.py: the list pages show


@dataclass(frozen=True)
class TagRef:
    """A tag as pages show and suggest it: its id and name, no database session behind it."""

    id: int
    name: str


def list_tags() -> list[Tag]:
    """The desk's tags by name (rows of this session: for changes)."""
    return list(db.session.scalars(sa.select(Tag).order_by(Tag.name)))


def desk_tags() -> tuple[TagRef, ...]:
    """The desk's tags by name as this process last read them (process_cache): for pages."""
    return process_cache.cached(
        CACHE_NAME, lambda: tuple(TagRef(tag.id, tag.name) for tag in list_tags())
    )


def known_tag_names() -> list[str]:
    """The desk's tag names, sorted (for pages)."""
    return [tag.name for tag in desk_tags()]


def create_tag(name: object, *, actor: Employee) -> Tag:
    """Add a tag to the desk's list (supervisors): 1-50 characters, no control characters."""
    if not actor.can(Role.SUPERVISOR):
        raise Forbidden("Only supervisors keep the list of tags.")
    text = unicodedata.normalize("NFC", name.strip()) if isinstance(name, str) else ""
    if not text or len(text) > MAX_TAG:
        raise InvalidInput(f"A tag is 1 to {MAX_TAG} characters.", code="invalid_tag")
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise InvalidInput("A tag cannot hold control characters.", code="invalid_tag")
    if db.session.scalar(sa.select(Tag.id).where(Tag.name == text)) is not None:
        raise Conflict(f"The tag {text} exists already.", code="tag_exists")
    tag = Tag(name=text)
    db.session.add(tag)
    db.session.flush()
    audit.record("tag.created", "tag", tag.id, actor=actor, name=text)
    db.session.commit()
    process_cache.changed(CACHE_NAME)
    return tag


def tags_by_employee(employee_ids: list[int]) -> dict[int, list[str]]:
    """Each employee's expertise tag names, sorted, read in one query."""
    found: dict[int, list[str]] = {i: [] for i in employee_ids}
    if employee_ids:
        rows = db.session.execute(
            sa.select(employee_tags.c.employee_id, Tag.name)
            .join(Tag, Tag.id == employee_tags.c.tag_id)
            .where(employee_tags.c.employee_id.in_(employee_ids))
            .order_by(Tag.name)
        )
        for employee_id, name in rows:
            found[employee_id].append(name)
    return found


def set_skills(
    employee: Employee, languages: object, tags: object, capacity: object, *, actor: Employee
) -> Employee:
    """Set an employee's languages, expertise tags and capacity (supervisors); audited.

    Languages: one or more of ja, en. Tags: names from the desk's list (422 unknown_tag lists
    the known ones). Capacity: a whole number from 1 to 20.
    """
    _check_authority(actor, employee)
    chosen_languages = _clean_languages(languages)
    chosen_capacity = _clean_capacity(capacity)
    chosen_tags = _clean_tags(tags)
    before = {
        "languages": employee.language_list,
        "tags": tags_by_employee([employee.id])[employee.id],
        "capacity": employee.capacity,
    }
    employee.languages = ",".join(chosen_languages)
    employee.capacity = chosen_capacity
    db.session.execute(sa.delete(employee_tags).where(employee_tags.c.employee_id == employee.id))
    if chosen_tags:
        db.session.execute(
            sa.insert(employee_tags),
            [{"employee_id": employee.id, "tag_id": tag.id} for tag in chosen_tags],
        )
    after = {
        "languages": chosen_languages,
        "tags": sorted(tag.name for tag in chosen_tags),
        "capacity": chosen_capacity,
    }
    audit.record(
        "employee.skills_changed",
        "employee",
        employee.number,
        actor=actor,
        before=before,
        after=after,
    )
    db.session.commit()
    return employee


def can_set_skills(actor: Employee, employee: Employee) -> bool:
    """True when `actor` may set this employee's routing skills."""
    try:
        _check_authority(actor, employee)
    except Forbidden:
        return False
    return True


def _check_authority(actor: Employee, employee: Employee) -> None:
    """Supervisors set skills; another supervisor's or an admin's are an admin's to set."""
    if not actor.active or not actor.can(Role.SUPERVISOR):
        raise Forbidden("Only supervisors set skills.", code="forbidden")
    if (
        actor.role is not Role.ADMIN
        and actor.id != employee.id
        and employee.role.rank >= Role.SUPERVISOR.rank
    ):
        raise Forbidden("Only an admin manages supervisors and admins.", code="admin_only")


def _clean_languages(languages: object) -> list[str]:
    known = ", ".join(MENTION_LANGUAGES)
    if not isinstance(languages, list) or not languages:
        raise InvalidInput(
            f"languages must be a list of one or more of {known}.",
            code="invalid_languages",
            known=list(MENTION_LANGUAGES),
        )
    if any(code not in MENTION_LANGUAGES for code in languages):
        raise InvalidInput(
            f"languages must be one or more of {known}.",
            code="invalid_languages",
            known=list(MENTION_LANGUAGES),
        )
    return [code for code in MENTION_LANGUAGES if code in languages]


def _clean_capacity(capacity: object) -> int:
    if isinstance(capacity, str) and capacity.strip().isdigit() and len(capacity.strip()) < 4:
        capacity = int(capacity.strip())
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        capacity = None
    if capacity is None or not MIN_CAPACITY <= capacity <= MAX_CAPACITY:
        raise InvalidInput(
            f"capacity must be a whole number from {MIN_CAPACITY} to {MAX_CAPACITY}.",
            code="invalid_capacity",
        )
    return capacity


def _clean_tags(tags: object) -> list[Tag]:
    if not isinstance(tags, list) or not all(isinstance(name, str) for name in tags):
        raise InvalidInput("tags must be a list of tag names.", code="invalid_tags")
    known = {tag.name: tag for tag in list_tags()}
    names = {unicodedata.normalize("NFC", name.strip()) for name in tags}
    unknown = sorted(name for name in names if name not in known)
    if unknown:
        raise Unprocessable(
            f"Unknown tags: {', '.join(unknown)}. Known tags: {', '.join(known) or '(none)'}.",
            code="unknown_tag",
            unknown=unknown,
            known=sorted(known),
        )
    return [known[name] for name in sorted(names)]
