"""Inbox pages: parse -> authorize -> one service call -> render or redirect."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from helpdesk.inbox import bp
from helpdesk.inbox.forms import DismissForm, ReplyForm
from helpdesk.models import LIVE_REPLY_STATUSES, Mention, MentionStatus, Role
from helpdesk.models.types import utcnow
from helpdesk.services import canned, escalation, inbox, replies
from helpdesk.services.errors import InvalidInput, NotFound, ServiceError, http_status
from helpdesk.web.access import role_required
from helpdesk.web.templating import labels

FILTERS = ("open", "mine", "answered", "dismissed", "all")
SORTS = ("oldest", "newest")
PAGE_SIZE = 25


class EscalateForm(DismissForm):
    """Raise the mention to supervisors; the reason follows a dismissal's rules (1-500)."""


@dataclass(frozen=True)
class ListParams:
    """The inbox's query string: filter, search, sort and keyset cursor."""

    status: str
    q: str
    sort: str
    cursor: str | None

    @classmethod
    def from_request(cls) -> ListParams:
        status = request.args.get("status", "open")
        sort = request.args.get("sort", "")
        cursor = request.args.get("cursor") or None
        if status not in FILTERS or sort not in ("", *SORTS):
            abort(400)
        try:
            inbox.parse_cursor(cursor)
        except InvalidInput:
            abort(400)
        return cls(status, request.args.get("q", "").strip()[:100], sort, cursor)

    @property
    def newest_first(self) -> bool | None:
        return None if not self.sort else self.sort == "newest"

    def args(self, **changes: object) -> dict[str, object]:
        """Query arguments for a link to this list with some of them changed."""
        values = {"status": self.status, "q": self.q, "sort": self.sort, "cursor": self.cursor}
        values.update(changes)
        return {key: value for key, value in values.items() if value}

    def page(self):
        return inbox.list_mentions(
            self.status,
            limit=PAGE_SIZE,
            cursor=self.cursor,
            employee=current_user,
            search=self.q.lstrip("@") or None,  # "@name" is how agents write a username
            newest_first=self.newest_first,
        )


@bp.get("/")
@bp.get("/inbox")
@role_required(Role.TRAINEE)
def index():
    """The list of mentions: open ones oldest first unless asked otherwise."""
    params = ListParams.from_request()
    page = params.page()
    return render_template(
        "inbox/index.html",
        page=page,
        params=params,
        filters=FILTERS,
        now=utcnow(),
        js_strings=_js_strings(),
    )


@bp.get("/inbox/live")
@role_required(Role.TRAINEE)
def live():
    """Who holds what on the current page, for the inbox's poll every few seconds."""
    params = ListParams.from_request()
    now = utcnow()
    items = {}
    for mention in params.page().items:
        holder = mention.claim_holder(now)
        items[str(mention.id)] = {
            "status": mention.status.value,
            "claimed_by": holder.number if holder else None,
            "claimed_by_name": holder.name if holder else None,
        }
    return jsonify({"items": items})


@bp.get("/mentions/<id:mention_id>")
@role_required(Role.TRAINEE)
def mention(mention_id: int):
    """A mention with its conversation, the claim, the composer and the replies' state."""
    return _mention_page(mention_id)


@bp.post("/mentions/<id:mention_id>/claim")
@role_required(Role.TRAINEE)
def claim(mention_id: int):
    """Take the claim; when someone else holds it, say who (409)."""
    try:
        inbox.claim(mention_id, current_user)
    except ServiceError as exc:
        return _refused(mention_id, exc)
    return redirect(url_for(".mention", mention_id=mention_id))


@bp.post("/mentions/<id:mention_id>/release")
@role_required(Role.TRAINEE)
def release(mention_id: int):
    """Drop my claim."""
    try:
        inbox.release(mention_id, current_user)
    except ServiceError as exc:
        return _refused(mention_id, exc)
    flash(_("You released this mention."), "info")
    return redirect(url_for(".mention", mention_id=mention_id))


@bp.post("/mentions/<id:mention_id>/reply")
@role_required(Role.TRAINEE)
def reply(mention_id: int):
    """Send a reply through the guideline check into the outbox."""
    form = ReplyForm()
    if not form.validate_on_submit():
        return _mention_page(mention_id, status=400, reply_form=form)
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


@bp.post("/mentions/<id:mention_id>/dismiss")
@role_required(Role.TRAINEE)
def dismiss(mention_id: int):
    """Close the mention without a reply, with a reason."""
    form = DismissForm()
    if not form.validate_on_submit():
        return _mention_page(mention_id, status=400, dismiss_form=form)
    try:
        inbox.dismiss(mention_id, current_user, form.reason.data)
    except ServiceError as exc:
        return _refused(mention_id, exc, dismiss_form=form)
    flash(_("Mention dismissed."), "info")
    return redirect(url_for(".index"))


@bp.post("/mentions/<id:mention_id>/escalate")
@role_required(Role.TRAINEE)
def escalate(mention_id: int):
    """Raise the mention to supervisors, with a reason."""
    form = EscalateForm(prefix="escalate")
    if not form.validate_on_submit():
        return _mention_page(mention_id, status=400, escalate_form=form)
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
    return _mention_page(mention_id, status=http_status(exc), refusal=exc, **forms)


def _mention_page(
    mention_id: int,
    *,
    status: int = 200,
    refusal: ServiceError | None = None,
    reply_form: ReplyForm | None = None,
    dismiss_form: DismissForm | None = None,
    escalate_form: EscalateForm | None = None,
):
    try:
        mention = inbox.get_mention(mention_id)
    except NotFound:
        abort(404)
    now = utcnow()
    earlier = inbox.conversation(mention)
    thread = sorted([*earlier, mention], key=lambda m: m.tweet_id)
    by_mention: dict[int, list] = {}
    for row in inbox.replies_for([m.id for m in thread]):
        by_mention.setdefault(row.mention_id, []).append(row)
    own_replies = by_mention.get(mention.id, [])
    holder = mention.claim_holder(now)
    violations = refusal.extra.get("violations", []) if refusal else []
    return render_template(
        "inbox/mention.html",
        mention=mention,
        thread=thread,
        replies_by_mention=by_mention,
        holder=holder,
        now=now,
        can_reply=mention.status is MentionStatus.OPEN
        and not any(r.status in LIVE_REPLY_STATUSES for r in own_replies)
        and (holder is None or holder.id == current_user.id),
        reply_form=reply_form
        or ReplyForm(formdata=None, text=replies.draft_to_offer(own_replies, current_user)),
        dismiss_form=dismiss_form or DismissForm(formdata=None),
        escalate_form=escalate_form or EscalateForm(formdata=None, prefix="escalate"),
        open_escalation=escalation.open_escalation_for(mention.id),
        error=_explain(refusal, mention, holder) if refusal else None,
        violations=violations,
        has_warnings=any(v.get("severity") == "warn" for v in violations),
        js_strings=_js_strings(),
        canned_groups=_canned_groups(),
        Role=Role,
    ), status


def _canned_groups() -> list[tuple[str, list]]:
    """Active canned replies grouped by language, the reader's own language first."""
    mine = str(get_locale() or "ja")
    groups: dict[str, list] = {}
    for item in canned.list_canned():
        groups.setdefault(item.language.value, []).append(item)
    return sorted(groups.items(), key=lambda group: group[0] != mine)


def _explain(exc: ServiceError, mention: Mention, holder) -> str:
    """A service refusal in the reader's language (the services speak English)."""
    code = exc.code
    if code == "already_claimed":
        number = exc.extra.get("claimed_by") or (holder.number if holder else "?")
        return _("Employee %(number)s is working on this.", number=number)
    if code == "not_yours":
        number = holder.number if holder else "?"
        return _("The claim belongs to employee %(number)s.", number=number)
    if code == "not_open":
        return _("This mention is already %(status)s.", status=labels("mention")[mention.status])
    if code == "guideline_violation":
        blocked = any(v.get("severity") == "block" for v in exc.extra.get("violations", []))
        if blocked:
            return _("The reply breaks the guidelines; change it before sending.")
        return _("The reply has warnings: tick “send anyway” to send it as it is.")
    messages = {
        "already_answered": _("This mention already has a reply on its way."),
        "already_escalated": _("This mention is already escalated."),
        "escalated": _("This mention is escalated: a supervisor decides whether to close it."),
        "reason_required": _("Give a reason."),
        "reason_too_long": _("A reason can be at most 500 characters."),
        "text_too_long": _("The reply is far too long."),
        "invalid_text": _("The reply is far too long."),
        "forbidden": _("Your role does not allow this; ask a supervisor."),
    }
    return messages.get(code, exc.message)


def _js_strings() -> dict[str, object]:
    """The words the page's scripts show, in the reader's language."""
    return {
        "mention": labels("mention"),
        "reply": labels("reply"),
        "severity": labels("severity"),
        "rule": labels("rule"),
        "nobody_working": _("Nobody is working on this."),
        "working_on": _("Employee %(number)s is working on this.", number="{number}"),
        "new_mentions": _("New mentions have arrived."),
        "reload": _("Reload"),
        "handled": _("handled"),
        "check_failed": _("The live check is unavailable; the server checks again on send."),
        "held": _("waiting for X's posting limit until %(time)s", time="{time}"),
        "timezone": str(get_timezone()),
    }
