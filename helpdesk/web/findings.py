"""A guideline finding as the reader's sentence, built from its rule and params (not its text)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from helpdesk.services.guidelines import Violation
from helpdesk.web.i18n import api_locale

Params = Mapping[str, Any]


def _length(p: Params) -> str:
    if "characters" in p:
        return _(
            "This reply has %(characters)s characters, far over the %(limit)s X allows; "
            "shorten it.",
            characters=p["characters"],
            limit=p.get("limit", 280),
        )
    return _(
        "This reply is %(length)s/%(limit)s characters as X counts them (Japanese characters "
        "count 2, links 23, signature included); shorten it.",
        length=p.get("length", "?"),
        limit=p.get("limit", 280),
    )


def _what(kind: str, count: int) -> str:
    # One sentence per number (not ngettext): Japanese has no plural, English has two here.
    one = {
        "email": lambda: _("an e-mail address"),
        "order_number": lambda: _("an order number"),
        "phone": lambda: _("a phone number"),
        "card": lambda: _("a card number"),
        "postal_code": lambda: _("a postal code"),
    }
    many = {
        "email": lambda: _("%(count)s e-mail addresses", count=count),
        "order_number": lambda: _("%(count)s order numbers", count=count),
        "phone": lambda: _("%(count)s phone numbers", count=count),
        "card": lambda: _("%(count)s card numbers", count=count),
        "postal_code": lambda: _("%(count)s postal codes", count=count),
    }
    words = one if count == 1 else many
    return words[kind]() if kind in words else _("personal data")


def _personal_data(p: Params) -> str:
    count = int(p.get("count", 1))
    what = _what(str(p.get("kind", "")), count)
    hint = _(" (ending in %(endings)s)", endings=p["endings"]) if p.get("endings") else ""
    if count == 1:
        return _(
            "This reply contains %(what)s%(hint)s; remove it and ask the customer to continue "
            "by direct message (DM) instead of in a public reply.",
            what=what,
            hint=hint,
        )
    return _(
        "This reply contains %(what)s%(hint)s; remove them and ask the customer to continue "
        "by direct message (DM) instead of in a public reply.",
        what=what,
        hint=hint,
    )


def _link_domain(p: Params) -> str:
    return _(
        "This reply links to %(host)s, which is not an allowed domain; link to %(allowed)s or "
        "remove the link.",
        host=p.get("host", "?"),
        allowed=p.get("allowed") or _("our site"),
    )


SENTENCES: dict[str, Callable[[Params], str]] = {
    "empty": lambda p: _("This reply has no message besides the signature; write an answer."),
    "length": _length,
    "control_character": lambda p: _(
        "This reply contains control or invisible characters (%(codes)s); delete them (retype "
        "a pasted text): only line breaks are allowed.",
        codes=p.get("codes", ""),
    ),
    "personal_data": _personal_data,
    "banned_term": lambda p: _(
        'This reply contains the banned term "%(term)s"; remove it before posting.',
        term=p.get("term", ""),
    ),
    "link_domain": _link_domain,
    "unfilled_gap": lambda p: _(
        "This reply still has %(gaps)s to fill in; replace it with the real value.",
        gaps=p.get("gaps", ""),
    ),
    "third_party_mention": lambda p: _(
        "This reply mentions @%(handle)s, who is not the customer; remove the mention unless "
        "that account really needs to see this reply.",
        handle=p.get("handle", ""),
    ),
}


def describe(finding: Mapping[str, Any] | Violation) -> str:
    """A finding (a Violation or its to_dict()) as a sentence in the current locale."""
    if isinstance(finding, Violation):
        finding = finding.to_dict()
    sentence = SENTENCES.get(str(finding.get("rule")))
    if sentence is None:  # a rule without a sentence yet: its English message, not nothing
        return str(finding.get("message", ""))
    return sentence(finding.get("params") or {})


def for_api(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings with each message in the API's language (Accept-Language, else English)."""
    language = api_locale()
    if language == "en":
        return findings
    with force_locale(language):
        return [{**finding, "message": describe(finding)} for finding in findings]


def cost_note(cost: Mapping[str, Any]) -> str | None:
    """The composer's note on what a reply costs on X, when a link makes it dearer than a plain
    reply (the figures from the price table), in the request's language; else None."""
    from helpdesk.web.formatting import money

    usd, plain = cost.get("usd"), cost.get("plain_usd")
    if cost.get("kind") != "post_with_link" or usd is None:
        return None
    if plain is not None and usd <= plain:
        return None  # priced no dearer than a plain reply: nothing to warn about
    if plain is None or not cost.get("times"):
        return _(
            "A reply with a link costs %(price)s on X, more than a plain reply.",
            price=money(cost["usd"], 6),
        )
    return _(
        "A reply with a link costs %(price)s on X, about %(times)s times a plain reply"
        " (%(plain)s).",
        price=money(cost["usd"], 6),
        times=cost["times"],
        plain=money(cost["plain_usd"], 6),
    )


def cost_for_api(cost: Mapping[str, Any]) -> dict[str, Any]:
    """A reply's cost with its note in the API's language (Accept-Language, else English)."""
    language = api_locale()
    with force_locale(language):
        return {**cost, "message": cost_note(cost)}
