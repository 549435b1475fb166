"""Inbox pages: parse -> authorize -> one service call -> render or redirect."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from helpdesk.inbox import bp
from helpdesk.inbox.forms import DismissForm, DmReplyForm, MoveToDmForm, NoteForm, ReplyForm
from helpdesk.models import LIVE_REPLY_STATUSES, MentionKind, MentionStatus, Role
from helpdesk.models.types import utcnow
from helpdesk.services import (
    canned,
    dms,
    escalation,
    inbox,
    live_inbox,
    mentions,
    notes,
    replies,
    skills,
    tagging,
)
from helpdesk.services.errors import InvalidInput, NotFound, ServiceError, http_status
from helpdesk.web import sla
from helpdesk.web.access import role_required
from helpdesk.web.refusals import explain
from helpdesk.web.templating import labels

FILTERS = ("open", "mine", "escalated", "answered", "dismissed", "all")
KINDS = ("all", "post", "dm")
SORTS = inbox.SORTS  # oldest, newest, priority (high first)
PAGE_SIZE = 25
HISTORY_SIZE = 8  # the customer's earlier mentions shown beside the composer


class EscalateForm(DismissForm):
    """Raise the mention to supervisors; the reason follows a dismissal's rules (1-500)."""


@dataclass(frozen=True)
class ListParams:
    """The inbox's query string: filter, search, sort and keyset cursor."""

    status: str
    q: str
    sort: str
    cursor: str | None
    kind: str = "all"
    tag: str = ""  # a tag's name: only mentions carrying it (the service checks the name)

    @classmethod
    def from_request(cls) -> ListParams:
        status = request.args.get("status", "open")
        sort = request.args.get("sort", "")
        cursor = request.args.get("cursor") or None
        kind = request.args.get("kind") or "all"
        if status not in FILTERS or sort not in ("", *SORTS) or kind not in KINDS:
            abort(400)
        try:
            inbox.parse_cursor(cursor, by_priority=sort == "priority")
        except InvalidInput:
            abort(400)
        tag = request.args.get("tag", "").strip()[:100]
        return cls(status, request.args.get("q", "").strip()[:100], sort, cursor, kind, tag)

    @property
    def newest_first(self) -> bool | None:
        return None if self.sort in ("", "priority") else self.sort == "newest"

    def args(self, **changes: object) -> dict[str, object]:
        """Query arguments for a link to this list with some of them changed."""
        values = {
            "status": self.status,
            "q": self.q,
            "sort": self.sort,
            "cursor": self.cursor,
            "kind": self.kind,
            "tag": self.tag,
        }
        values.update(changes)
        if values["kind"] == "all":  # the default: left out of links
            values["kind"] = None
        return {key: value for key, value in values.items() if value}

    def page(self):
        return inbox.list_mentions(
            self.status,
            limit=PAGE_SIZE,
            cursor=self.cursor,
            employee=current_user,
            search=self.q.lstrip("@") or None,  # "@name" is how agents write a username
            sort=self.sort or None,
            kind=self.kind,
            tag=self.tag or None,
        )


@bp.get("/")
@bp.get("/inbox")
@role_required(Role.TRAINEE)
def index() -> ResponseReturnValue:
    """The list of mentions: open ones oldest first unless asked otherwise."""
    params = ListParams.from_request()
    refusal = None
    try:
        page = params.page()
    except ServiceError as exc:  # an unknown tag: say which ones exist, list without it
        if not params.tag:
            raise
        refusal, params = exc, replace(params, tag="", cursor=None)
        page = params.page()
    return render_template(
        "inbox/index.html",
        page=page,
        params=params,
        filters=FILTERS,
        kinds=KINDS,
        desk_tags=skills.known_tag_names(),
        row_tags=tagging.tags_by_mention([m.id for m in page.items]),
        now=utcnow(),
        js_strings=_js_strings(),
        error=explain(refusal) if refusal else None,
    ), 422 if refusal else 200


@bp.get("/inbox/live")
@role_required(Role.TRAINEE)
def live() -> ResponseReturnValue:
    """The inbox's rows again for its poll: 304 while the desk's version (and minute) stand."""
    params = ListParams.from_request()
    now = utcnow()
    etag = _live_etag(now)
    # A quiet desk: Redis only, no SQL beyond the login.
    if request.if_none_match.contains_weak(etag):
        response = make_response("", 304)
    else:
        try:
            items = params.page().items
        except ServiceError:  # an unknown tag
            abort(422)
        row_tags = tagging.tags_by_mention([m.id for m in items])
        html = render_template("inbox/_rows.html", items=items, row_tags=row_tags, now=now)
        response = make_response(html)
        response.headers["X-Inbox-Rows"] = str(len(items))
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    return response


def _live_etag(now) -> str:
    """The desk's change counter, the minute (claims expire, ages move), who asks and how."""
    key = "|".join(
        (
            str(current_user.id),
            current_user.role.value,
            str(get_locale()),
            str(get_timezone()),
            request.query_string.decode("latin-1"),
        )
    )
    viewer = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"{live_inbox.version()}-{int(now.timestamp()) // 60}-{viewer}"


@bp.get("/mentions/<id:mention_id>")
@role_required(Role.TRAINEE)
def mention(mention_id: int) -> ResponseReturnValue:
    """A mention with its conversation, the claim, the composer and the replies' state."""
    return render_mention_page(mention_id)


@bp.post("/mentions/<id:mention_id>/claim")
@role_required(Role.TRAINEE)
def claim(mention_id: int) -> ResponseReturnValue:
    """Take the claim; when someone else holds it, say who (409)."""
    try:
        inbox.claim(mention_id, current_user)
    except ServiceError as exc:
        return _refused(mention_id, exc)
    return redirect(url_for(".mention", mention_id=mention_id))


@bp.post("/mentions/<id:mention_id>/release")
@role_required(Role.TRAINEE)
def release(mention_id: int) -> ResponseReturnValue:
    """Drop my claim."""
    try:
        inbox.release(mention_id, current_user)
    except ServiceError as exc:
        return _refused(mention_id, exc)
    flash(_("You released this mention."), "info")
    return redirect(url_for(".mention", mention_id=mention_id))


@bp.post("/mentions/<id:mention_id>/reply")
@role_required(Role.TRAINEE)
def reply(mention_id: int) -> ResponseReturnValue:
    """Send a reply through the guideline check into the outbox (a DM item's as a DM)."""
    form = DmReplyForm() if _is_dm(mention_id) else ReplyForm()
    if not form.validate_on_submit():
        return render_mention_page(mention_id, status=400, reply_form=form)
    try:
        created = replies.create_reply(
            mention_id,
            current_user,
            form.text.data or "",
            confirm_warnings=bool(form.confirm_warnings.data),
        )
    except ServiceError as exc:
        return _refused(mention_id, exc, reply_form=form)
    if created.status.value == "pending_approval":
        flash(_("Your reply is waiting for a supervisor's approval."), "info")
    else:
        flash(_("Your reply is queued for posting."), "success")
    return redirect(url_for(".mention", mention_id=mention_id))


@bp.post("/mentions/<id:mention_id>/move-to-dm")
@role_required(Role.TRAINEE)
def move_to_dm(mention_id: int) -> ResponseReturnValue:
    """Answer in public with an invitation to DM; the customer's next DM joins this case."""
    form = MoveToDmForm(prefix="move")
    if not form.validate_on_submit():
        return render_mention_page(mention_id, status=400, move_form=form)
    try:
        created = dms.move_to_dm(
            mention_id,
            current_user,
            (form.text.data or "").strip() or None,
            confirm_warnings=bool(form.confirm_warnings.data),
        )
    except ServiceError as exc:
        return _refused(mention_id, exc, move_form=form)
    if created.status.value == "pending_approval":
        flash(_("Your reply is waiting for a supervisor's approval."), "info")
    else:
        flash(_("The invitation to DM is queued for posting."), "success")
    return redirect(url_for(".mention", mention_id=mention_id))


def _is_dm(mention_id: int) -> bool:
    try:
        return mentions.get_mention(mention_id).kind == MentionKind.DM
    except NotFound:
        abort(404)


@bp.post("/mentions/<id:mention_id>/dismiss")
@role_required(Role.TRAINEE)
def dismiss(mention_id: int) -> ResponseReturnValue:
    """Close the mention without a reply, with a reason."""
    form = DismissForm()
    if not form.validate_on_submit():
        return render_mention_page(mention_id, status=400, dismiss_form=form)
    try:
        inbox.dismiss(mention_id, current_user, form.reason.data)
    except ServiceError as exc:
        return _refused(mention_id, exc, dismiss_form=form)
    flash(_("Mention dismissed."), "info")
    return redirect(url_for(".index"))


@bp.post("/mentions/<id:mention_id>/escalate")
@role_required(Role.TRAINEE)
def escalate(mention_id: int) -> ResponseReturnValue:
    """Raise the mention to supervisors, with a reason."""
    form = EscalateForm(prefix="escalate")
    if not form.validate_on_submit():
        return render_mention_page(mention_id, status=400, escalate_form=form)
    try:
        escalation.escalate(mention_id, current_user, form.reason.data)
    except ServiceError as exc:
        return _refused(mention_id, exc, escalate_form=form)
    flash(_("Escalated to the supervisors."), "info")
    return redirect(url_for(".mention", mention_id=mention_id))


def _refused(mention_id: int, exc: ServiceError, **forms: object):
    """The mention page again, with the service's refusal explained in the reader's language."""
    if isinstance(exc, NotFound):
        abort(404)
    return render_mention_page(mention_id, status=http_status(exc), refusal=exc, **forms)


def render_mention_page(
    mention_id: int,
    *,
    status: int = 200,
    refusal: ServiceError | None = None,
    reply_form: ReplyForm | DmReplyForm | None = None,
    dismiss_form: DismissForm | None = None,
    escalate_form: EscalateForm | None = None,
    move_form: MoveToDmForm | None = None,
    note_form: NoteForm | None = None,
    note_error: ServiceError | None = None,
    tag_error: ServiceError | None = None,
    tags_wanted: list[str] | None = None,
):
    """The mention page: its conversation with replies, DMs and internal notes in time order."""
    try:
        mention = mentions.get_mention(mention_id)
    except NotFound:
        abort(404)
    now = utcnow()
    earlier = inbox.conversation(mention)
    thread = sorted([*earlier, mention], key=lambda m: m.tweet_id)
    by_mention: dict[int, list] = {}
    for row in inbox.replies_for([m.id for m in thread]):
        by_mention.setdefault(row.mention_id, []).append(row)
    own_replies = by_mention.get(mention.id, [])
    notes_after = _place_notes(thread, by_mention, notes.notes_for(mention))
    # The customer's earlier conversations (already loaded with the thread: no extra query).
    history = sorted(
        (
            m
            for m in earlier
            if m.author_x_id == mention.author_x_id
            and m.conversation_id != mention.conversation_id
            and (m.created_at, m.tweet_id) < (mention.created_at, mention.tweet_id)
        ),
        key=lambda m: (m.created_at, m.tweet_id),
        reverse=True,
    )[:HISTORY_SIZE]
    holder = mention.claim_holder(now)
    violations = refusal.extra.get("violations", []) if refusal else []
    is_dm = mention.kind == MentionKind.DM
    composer = DmReplyForm if is_dm else ReplyForm
    return render_template(
        "inbox/mention.html",
        mention=mention,
        thread=thread,
        replies_by_mention=by_mention,
        history=history,
        holder=holder,
        now=now,
        can_reply=mention.status is MentionStatus.OPEN
        and not any(r.status in LIVE_REPLY_STATUSES for r in own_replies)
        and (holder is None or holder.id == current_user.id),
        reply_form=reply_form
        or composer(formdata=None, text=replies.draft_to_offer(own_replies, current_user)),
        is_dm=is_dm,
        move_form=move_form or MoveToDmForm(formdata=None, prefix="move"),
        notes_after=notes_after,
        note_form=note_form or NoteForm(formdata=None, prefix="note"),
        note_error=explain(note_error) if note_error else None,
        dismiss_form=dismiss_form or DismissForm(formdata=None),
        escalate_form=escalate_form or EscalateForm(formdata=None, prefix="escalate"),
        open_escalation=escalation.open_escalation_for(mention.id),
        error=explain(refusal, number=holder.number if holder else "?", status=mention.status.value)
        if refusal
        else None,
        violations=violations,
        has_warnings=any(v.get("severity") == "warn" for v in violations),
        js_strings=_js_strings(),
        canned_groups=_canned_groups(mention),
        Role=Role,
        **_tag_context(mention, tags_wanted),
        tag_error=explain(tag_error) if tag_error else None,
    ), status


@dataclass(frozen=True)
class TagChoice:
    """One of the desk's tags as the mention page offers it: set or not, suggested or not."""

    name: str
    checked: bool
    suggested: bool


def _tag_context(mention, wanted: list[str] | None) -> dict[str, object]:
    """The mention's tags and the form's choices: suggested tags first (best first), then the
    rest by name; `wanted`: what a refused form asked for, ticked again."""
    current = tagging.tags_by_mention([mention.id])[mention.id]
    desk = skills.desk_tags()
    suggested = [s.name for s in tagging.suggest_tags(mention, tags=desk)] if desk else []
    ticked = set(current if wanted is None else wanted)
    order = {name: i for i, name in enumerate(suggested)}
    names = sorted((t.name for t in desk), key=lambda n: (order.get(n, len(order)), n))
    return {
        "mention_tags": current,
        "tag_choices": [TagChoice(n, n in ticked, n in order) for n in names],
        "may_tag": tagging.may_tag(mention, current_user),
    }


def _place_notes(thread: list, by_mention: dict[int, list], found: list) -> dict[str, list]:
    """Each note under the last message (``m<id>``, ``r<id>``) written before it, so notes fall
    in time order among the customer's messages and our replies without moving them; a note
    older than everything goes first (``start``)."""
    order: list[tuple[str, object]] = []
    for m in thread:
        order.append((f"m{m.id}", m.created_at))
        order.extend((f"r{r.id}", r.created_at) for r in by_mention.get(m.id, []))
    placed: dict[str, list] = {}
    for note in found:
        key = "start"
        for item, when in order:
            if when is not None and when <= note.created_at:
                key = item
        placed.setdefault(key, []).append(note)
    return placed


@dataclass(frozen=True)
class CannedChoice:
    """A canned reply as the composer offers it: its variables filled in for this mention."""

    id: int
    title: str
    body: str


def _canned_groups(mention) -> list[tuple[str, list[CannedChoice]]]:
    """Active canned replies grouped by language, the reader's own language first, with
    {name}, {username} and {number} filled in ({order} and other gaps are left to the agent)."""
    mine = str(get_locale() or "ja")
    author = mention.author
    values = {
        "name": author.name if author else None,
        "username": author.username if author else None,
        "number": current_user.number,
    }
    groups: dict[str, list[CannedChoice]] = {}
    for item in canned.active_canned():
        choice = CannedChoice(item.id, item.title, canned.fill_variables(item.body, values))
        groups.setdefault(item.language, []).append(choice)
    return sorted(groups.items(), key=lambda group: group[0] != mine)


def _js_strings() -> dict[str, object]:
    """The words the page's scripts show, in the reader's language."""
    return {
        "mention": labels("mention"),
        "reply": labels("reply"),
        "severity": labels("severity"),
        "rule": labels("rule"),
        "nobody_working": _("Nobody is working on this."),
        "working_on": _("Employee %(number)s is working on this.", number="{number}"),
        **sla.strings(),
        "check_failed": _("The live check is unavailable; the server checks again on send."),
        "held": _("waiting for X's posting limit until %(time)s", time="{time}"),
        "timezone": str(get_timezone()),
        "viewing": _("%(numbers)s viewing", numbers="{numbers}"),
        "typing": _("%(numbers)s typing a reply", numbers="{numbers}"),
        "collision": _(
            "Employee %(numbers)s is typing a reply to this mention too.", numbers="{numbers}"
        ),
    }
