"""Tags as dispositions: staff set a mention's tags (validated, audited, atomic), read them for a
list in one query, and get suggestions from the text and from how colleagues tagged alike.

Suggestions come from two places. The text: a tag whose name appears in the mention, or whose
lemmas (listening's fugashi terms) are among the mention's terms. Colleagues: every time a tag
is set on a mention, each of the mention's terms counts once more for that tag in
`tag_term_counts` (and once less when it is taken off), so "which tags did colleagues set on
texts with these words" is one indexed look-up of the text's terms, ranked by count.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from helpdesk.extensions import db
from helpdesk.models import Employee, Mention, Role, Tag, TagTermCount, mention_tags
from helpdesk.models.routing import MAX_TAG, MAX_TERM
from helpdesk.models.types import utcnow
from helpdesk.services import audit, listening_text
from helpdesk.services.errors import Forbidden, InvalidInput, Unprocessable
from helpdesk.services.guidelines import invisible_characters
from helpdesk.services.mentions import get_mention
from helpdesk.services.skills import TagRef, list_tags

MAX_TAGS = 10  # tags on one mention
MAX_SUGGESTIONS = 5
MAX_TERMS = 40  # a mention's terms counted for suggestions: a long text adds no more
TEXT_CACHE = 4_096  # texts whose terms a process remembers (a page asks again on each view)


@dataclass(frozen=True)
class Suggestion:
    """A tag suggested for a mention: from its text, from colleagues' tagging, or both."""

    name: str
    from_text: bool
    count: int  # how many times colleagues set it on mentions sharing a term with this one

    @property
    def sources(self) -> list[str]:
        """Where the suggestion comes from: "text", "colleagues" or both."""
        return [s for s, on in (("text", self.from_text), ("colleagues", self.count > 0)) if on]


def clean_tag_names(names: object) -> list[Tag]:
    """The desk's tags these names mean, by name: a list of strings (400 invalid_tags),
    without control or invisible characters (400 invalid_text), NFC-normalised and
    deduplicated, at most MAX_TAGS (422 too_many_tags), each known (422 unknown_tag, with the
    known ones)."""
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise InvalidInput("tags must be a list of tag names.", code="invalid_tags")
    for name in names:
        found = invisible_characters(name, allowed="")
        if found or any(0xD800 <= ord(ch) <= 0xDFFF for ch in name):
            raise InvalidInput(
                "A tag name cannot contain control or invisible characters.",
                code="invalid_text",
                subject="tags",
            )
    wanted = sorted({unicodedata.normalize("NFC", name.strip()) for name in names} - {""})
    if len(wanted) > MAX_TAGS:
        raise Unprocessable(
            f"A mention can carry at most {MAX_TAGS} tags.", code="too_many_tags", limit=MAX_TAGS
        )
    known = {tag.name: tag for tag in list_tags()}
    # A name longer than any tag is unknown by definition: echoed cut, not in full.
    unknown = [n if len(n) <= MAX_TAG else n[:MAX_TAG] + "…" for n in wanted if n not in known]
    if unknown:
        raise Unprocessable(
            f"Unknown tags: {', '.join(unknown)}. Known tags: {', '.join(known) or '(none)'}.",
            code="unknown_tag",
            unknown=unknown,
            known=sorted(known),
        )
    return [known[name] for name in wanted]


def may_tag(mention: Mention, actor: Employee) -> bool:
    """Agents and supervisors tag any mention; a trainee only one they hold."""
    if not actor.active:
        return False
    if actor.can(Role.AGENT):
        return True
    holder = mention.claim_holder(utcnow())
    return holder is not None and holder.id == actor.id


def set_mention_tags(mention: Mention | int, names: object, actor: Employee) -> Mention:
    """Replace a mention's tags with these names: validated, allowed to staff who may work on
    it, audited (`mention.tagged` with the names added and removed), committed at once; the
    colleagues' counts that suggest tags move with it."""
    if not isinstance(mention, Mention):
        mention = get_mention(mention)
    if not may_tag(mention, actor):
        raise Forbidden(
            "A trainee sets tags only on a mention they are working on: claim it first.",
            code="tag_needs_claim",
        )
    chosen = clean_tag_names(names)
    now = utcnow()
    # Touching the mention first takes its row lock (PostgreSQL; SQLite's writer is alone):
    # two people setting tags at once take turns. It also tells the roll-ups and the live
    # inbox that the mention changed.
    db.session.execute(
        sa.update(Mention)
        .where(Mention.id == mention.id)
        .values(changed_at=now)
        .execution_options(synchronize_session=False)
    )
    before = dict(
        db.session.execute(
            sa.select(Tag.id, Tag.name)
            .join(mention_tags, mention_tags.c.tag_id == Tag.id)
            .where(mention_tags.c.mention_id == mention.id)
        ).all()
    )
    after = {tag.id: tag.name for tag in chosen}
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    if not added and not removed:
        db.session.rollback()
        return mention
    if removed:
        db.session.execute(
            sa.delete(mention_tags).where(
                mention_tags.c.mention_id == mention.id, mention_tags.c.tag_id.in_(removed)
            )
        )
    if added:
        db.session.execute(
            sa.insert(mention_tags),
            [
                {"mention_id": mention.id, "tag_id": t, "set_by_id": actor.id, "set_at": now}
                for t in added
            ],
        )
    _count_terms(text_terms(mention.text), added, removed)
    audit.record(
        "mention.tagged",
        "mention",
        mention.id,
        actor=actor,
        added=sorted(after[t] for t in added),
        removed=sorted(before[t] for t in removed),
    )
    db.session.commit()
    return mention


def text_terms(text: str) -> list[str]:
    """A text's terms as listening counts them (fugashi lemmas, English words), each once."""
    return list(_terms(text or ""))


@lru_cache(maxsize=TEXT_CACHE)
def _terms(text: str) -> tuple[str, ...]:
    # Without the brand's handle (a statement to read it): @mentions are no terms anyway.
    return tuple(sorted({t for t in listening_text.terms(text) if len(t) <= MAX_TERM})[:MAX_TERMS])


def _count_terms(terms: list[str], added: list[int], removed: list[int]) -> None:
    """Each term counts once more for every tag added and once less for every tag removed."""
    if not terms:
        return
    if added:
        dialect = db.session.get_bind().dialect.name
        insert = (postgresql if dialect == "postgresql" else sqlite).insert
        table = TagTermCount.__table__
        statement = insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.term, table.c.tag_id],
            set_={"count": table.c.count + statement.excluded.count},
        )
        rows = [{"term": term, "tag_id": t, "count": 1} for t in added for term in terms]
        db.session.execute(statement, rows)
    if removed:
        where = (TagTermCount.term.in_(terms), TagTermCount.tag_id.in_(removed))
        db.session.execute(
            sa.update(TagTermCount)
            .where(*where)
            .values(count=TagTermCount.count - 1)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            sa.delete(TagTermCount)
            .where(*where, TagTermCount.count <= 0)
            .execution_options(synchronize_session=False)
        )


def tags_by_mention(mention_ids: list[int]) -> dict[int, list[str]]:
    """Each mention's tag names, sorted, read in one query (none for an empty list)."""
    found: dict[int, list[str]] = {i: [] for i in mention_ids}
    if mention_ids:
        rows = db.session.execute(
            sa.select(mention_tags.c.mention_id, Tag.name)
            .join(Tag, Tag.id == mention_tags.c.tag_id)
            .where(mention_tags.c.mention_id.in_(mention_ids))
        )
        for mention_id, name in rows:
            found[mention_id].append(name)
        for names in found.values():
            names.sort()  # by code point on both backends (a database collation may differ)
    return found


def tag_named(name: str) -> Tag:
    """The tag with this name (a filter's argument), or 422 unknown_tag listing the known ones."""
    found = clean_tag_names([name])
    if not found:
        known = [tag.name for tag in list_tags()]
        raise Unprocessable(
            f"Name a tag. Known tags: {', '.join(known) or '(none)'}.",
            code="unknown_tag",
            unknown=[name],
            known=known,
        )
    return found[0]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def suggest_tags(
    mention: Mention | int, limit: int = MAX_SUGGESTIONS, tags: Sequence[Tag | TagRef] | None = None
) -> list[Suggestion]:
    """At most `limit` tags for this mention: those its text names (by name or lemma) first,
    then by how often colleagues set each on mentions sharing its terms (one indexed query);
    `tags`: the desk's list when the caller has read it already."""
    if not isinstance(mention, Mention):
        mention = get_mention(mention)
    terms = text_terms(mention.text)
    folded = _fold(mention.text or "")
    term_set = set(terms)
    tags = list_tags() if tags is None else tags
    counts: dict[int, int] = {}
    if terms:
        total = sa.func.sum(TagTermCount.count)
        rows = db.session.execute(
            sa.select(TagTermCount.tag_id, total)
            .where(TagTermCount.term.in_(terms))
            .group_by(TagTermCount.tag_id)
            .order_by(total.desc(), TagTermCount.tag_id)
            .limit(limit)
        )
        counts = {tag_id: int(count) for tag_id, count in rows}
    found = []
    for tag in tags:
        in_text = _names_in_text(tag.name, folded, term_set)
        if in_text or tag.id in counts:
            found.append(Suggestion(tag.name, in_text, counts.get(tag.id, 0)))
    found.sort(key=lambda s: (not s.from_text, -s.count, s.name))
    return found[:limit]


def _names_in_text(name: str, folded: str, terms: set[str]) -> bool:
    """Whether the text names this tag: its lemmas among the text's terms, or (for a name that
    is not plain ASCII, where words have no spaces) the name itself inside the text."""
    own = set(_terms(name))
    if own and own <= terms:
        return True
    key = _fold(name)
    return not key.isascii() and key in folded
