"""The audit log in words: an action code's label and an event's details as key: value lines."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from helpdesk.web.templating import label

ACTIONS: dict[str, LazyString] = {
    "auth.throttled": _l("Sign-ins throttled"),
    "employee.created": _l("Employee added"),
    "employee.password_changed": _l("Password changed"),
    "employee.role_changed": _l("Role changed"),
    "employee.suspended": _l("Employee suspended"),
    "employee.reinstated": _l("Employee reinstated"),
    "employee.skills_changed": _l("Skills changed"),
    "routing.mode_changed": _l("Routing mode changed"),
    "tag.created": _l("Tag added"),
    "x_price.changed": _l("X price changed"),
    "x_price.cap_changed": _l("X post-read cap changed"),
    "mention.assigned": _l("Mention assigned"),
    "token.created": _l("API token created"),
    "token.revoked": _l("API token revoked"),
    "mention.claimed": _l("Mention claimed"),
    "mention.released": _l("Mention released"),
    "mention.handed_back": _l("Mention handed back"),
    "mention.dismissed": _l("Mention dismissed"),
    "mention.answered_elsewhere": _l("Mention answered outside the desk"),
    "mention.dm_linked": _l("Customer's DM linked to the mention"),
    "note.added": _l("Internal note added"),
    "mention.tagged": _l("Mention's tags changed"),
    "reply.created": _l("Reply written"),
    "reply.approved": _l("Reply approved"),
    "reply.rejected": _l("Reply rejected"),
    "reply.posted": _l("Reply posted"),
    "reply.failed": _l("Reply failed"),
    "escalation.opened": _l("Escalation opened"),
    "escalation.assigned": _l("Escalation assigned"),
    "escalation.resolved": _l("Escalation resolved"),
    "rule.created": _l("Rule added"),
    "rule.updated": _l("Rule changed"),
    "rule.enabled": _l("Rule switched on"),
    "rule.disabled": _l("Rule switched off"),
    "sla.updated": _l("SLA target changed"),
    "canned.created": _l("Canned reply added"),
    "canned.updated": _l("Canned reply changed"),
    "canned.deactivated": _l("Canned reply withdrawn"),
    "canned.reactivated": _l("Canned reply offered again"),
}

KEYS: dict[str, LazyString] = {
    "about": _l("About"),
    "added": _l("Tags added"),
    "address": _l("Address"),
    "after": _l("After"),
    "assigned_by": _l("Assigned by"),
    "before": _l("Before"),
    "by": _l("Assigned through"),
    "mode": _l("Mode"),
    "moved_to_dm": _l("Moved to DM"),
    "name": _l("Name"),
    "body": _l("Text"),
    "brand_tweet_id": _l("Brand's post"),
    "brand_dm_event_id": _l("Brand's DM on X"),
    "channel": _l("Channel"),
    "dm_mention_id": _l("The customer's DM"),
    "error": _l("Error"),
    "how": _l("How"),
    "idle_minutes": _l("Idle for (minutes)"),
    "kind": _l("Kind"),
    "language": _l("Language"),
    "length": _l("Length (characters)"),
    "mention_id": _l("Mention"),
    "note": _l("Note"),
    "notified": _l("Notified"),
    "path": _l("Address on the desk"),
    "reason": _l("Reason"),
    "removed": _l("Tags removed"),
    "role": _l("Role"),
    "settled": _l("Settled as"),
    "severity": _l("Severity"),
    "status": _l("Status"),
    "taken_from": _l("Taken from"),
    "title": _l("Title"),
    "to": _l("Assigned to"),
    "token": _l("Token"),
    "value": _l("Value"),
    "warnings_confirmed": _l("Warnings confirmed"),
    "x_tweet_id": _l("Post on X"),
    "x_dm_event_id": _l("DM on X"),
}

# Values that are codes with a translated word of their own (web/templating.py's labels).
_VALUE_LABELS: dict[str, Callable[[object], str]] = {
    "about": lambda v: _("the customer") if v == "customer" else _("the mention"),
    "role": lambda v: label("role", v),
    "severity": lambda v: label("severity", v),
    "status": lambda v: label("reply", v),
}


def action_label(action: str) -> str:
    """The translated name of an audit action, or the code itself for one not named yet."""
    found = ACTIONS.get(action)
    return str(found) if found is not None else action


def detail_lines(details: str, action: str = "") -> list[tuple[str, str]]:
    """An event's JSON details as (translated key, readable value) pairs, in recorded order.

    Details that are not a JSON object give no lines; the page shows the raw JSON beside them.
    """
    try:
        parsed = json.loads(details or "{}")
    except ValueError:
        return []
    if not isinstance(parsed, dict):
        return []
    role_change = action == "employee.role_changed"
    return [(_key(k), _value(k, v, role_change)) for k, v in parsed.items()]


def _key(key: str) -> str:
    found = KEYS.get(key)
    return str(found) if found is not None else key


def _value(key: str, value: object, role_change: bool = False) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        return ", ".join(f"{_key(k)}: {_value(k, v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_value(key, v) for v in value)
    if role_change and key in ("before", "after"):
        return label("role", value)
    word = _VALUE_LABELS.get(key)
    return word(value) if word else str(value)
