"""The social-media policy check every reply passes before it is posted (pure: no DB, no Flask)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from urllib.parse import urlsplit

import phonenumbers
from twitter_text import extract_urls_with_indices

from helpdesk.x.text import (
    DEFAULT_SIGNATURE_FORMAT,
    MAX_COUNTED_CHARS,
    MAX_WEIGHTED_LENGTH,
    validate_signature_format,
    weighted_length,
)


class Severity(StrEnum):
    BLOCK = "block"
    WARN = "warn"


RULES = (
    "empty",
    "control_character",
    "length",
    "personal_data",
    "banned_term",
    "link_domain",
    "third_party_mention",
)

# personal_data findings are judged by kind; a kind without its own key uses "personal_data".
DEFAULT_SEVERITIES: Mapping[str, Severity] = MappingProxyType(
    {
        "empty": Severity.BLOCK,
        "control_character": Severity.BLOCK,
        "length": Severity.BLOCK,
        "personal_data": Severity.WARN,
        "personal_data.phone": Severity.BLOCK,
        "personal_data.email": Severity.BLOCK,
        "personal_data.card": Severity.BLOCK,
        "banned_term": Severity.BLOCK,
        "link_domain": Severity.WARN,
        "third_party_mention": Severity.WARN,
    }
)

PERSONAL_DATA_KINDS = ("email", "order_number", "phone", "card", "postal_code")
SEVERITY_KEYS = frozenset(RULES) | {f"personal_data.{kind}" for kind in PERSONAL_DATA_KINDS}
# Length and empty replies are X's limits, not policy: they cannot be switched off.
SWITCHABLE_CHECKS = frozenset(
    {f"personal_data.{kind}" for kind in PERSONAL_DATA_KINDS}
    | {"link_domain", "third_party_mention"}
)

DEFAULT_BANNED_TERMS = (
    "confidential",
    "internal use only",
    "do not distribute",
    "code name",
    "社外秘",
    "内部資料",
    "機密",
    "関係者外秘",
    "コードネーム",
)

# ORD-123456 / ord 12345678 / 注文番号：123456 / ご注文番号は123456; no \b before 注文番号
# because Japanese runs words together (ご注文番号 has no word boundary).
DEFAULT_ORDER_NUMBER_PATTERN = r"(?:(?<![A-Za-z0-9])ORD[-#: ]?|注文番号\s*(?:は|:)?\s*)\d{6,}(?!\d)"


@lru_cache(maxsize=32)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


@dataclass(frozen=True)
class Violation:
    """One finding: its rule, its severity, an English message, and the values it names.

    Pages and the API's ja answers build the reader's sentence from rule + params
    (web/findings.py); `message` is the English one, for logs and English clients.
    """

    rule: str
    severity: Severity
    message: str
    params: Mapping[str, object] = field(default_factory=dict, hash=False, compare=False)

    def to_dict(self) -> dict:
        """The finding as JSON: rule, severity, the English message and its params."""
        return {
            "rule": self.rule,
            "severity": str(self.severity),
            "message": self.message,
            "params": dict(self.params),
        }


@dataclass(frozen=True)
class GuidelinePolicy:
    banned_terms: tuple[str, ...] = DEFAULT_BANNED_TERMS
    allowed_domains: tuple[str, ...] = ("acme.example", "support.acme.example")
    # Keys are rule ids, plus "personal_data.<kind>" for one kind; missing keys use defaults.
    severities: Mapping[str, Severity] = field(
        default_factory=lambda: DEFAULT_SEVERITIES, hash=False
    )
    # Matched case-insensitively against NFKC text (full-width digits become ASCII).
    order_number_pattern: str = DEFAULT_ORDER_NUMBER_PATTERN
    phone_region: str = "JP"
    # Numbers the brand publishes itself (e.g. its support line) are not personal data.
    allowed_phone_numbers: tuple[str, ...] = ()
    # Used only to recognise a reply that is nothing but its signature.
    signature_format: str = DEFAULT_SIGNATURE_FORMAT
    # A banned term's own severity (supervisors set one per term); others use "banned_term".
    term_severities: Mapping[str, Severity] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    # Checks switched off: "personal_data.<kind>", "link_domain", "third_party_mention".
    disabled: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = set(self.severities) - SEVERITY_KEYS
        if unknown:
            raise ValueError(f"unknown guideline rule(s) in severities: {sorted(unknown)}")
        merged = {
            key: Severity(value) for key, value in {**DEFAULT_SEVERITIES, **self.severities}.items()
        }
        # Frozen dataclass: __setattr__ is blocked, so store the normalised values this way.
        object.__setattr__(self, "severities", MappingProxyType(merged))
        object.__setattr__(self, "banned_terms", tuple(self.banned_terms))
        domains = tuple(d.strip().lower().strip(".") for d in self.allowed_domains)
        object.__setattr__(self, "allowed_domains", domains)
        try:
            _compile(self.order_number_pattern)
        except re.error as exc:
            raise ValueError(f"order_number_pattern is not a valid regex: {exc}") from exc
        if self.phone_region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"phone_region {self.phone_region!r} is not a known region code")
        validate_signature_format(self.signature_format)
        object.__setattr__(self, "allowed_phone_numbers", tuple(self.allowed_phone_numbers))
        for number in self.allowed_phone_numbers:
            _e164(number, self.phone_region)  # fail at configuration time, not per reply
        unknown = set(self.disabled) - SWITCHABLE_CHECKS
        if unknown:
            raise ValueError(f"these checks cannot be switched off: {sorted(unknown)}")
        object.__setattr__(self, "disabled", frozenset(self.disabled))
        terms = {term: Severity(value) for term, value in self.term_severities.items()}
        object.__setattr__(self, "term_severities", MappingProxyType(terms))

    def severity(self, key: str) -> Severity:
        if key in self.severities:
            return self.severities[key]
        return self.severities[key.split(".", 1)[0]]


DEFAULT_POLICY = GuidelinePolicy()


DM_MAX_CHARS = 10_000  # X's limit for a DM's text


def check_reply(
    text: str,
    policy: GuidelinePolicy = DEFAULT_POLICY,
    *,
    customer_username: str | None = None,
    brand_username: str | None = None,
    channel: str = "post",
) -> list[Violation]:
    """Return every guideline finding for ``text``, the full text as it will be sent.

    ``channel`` "dm": the reply goes privately, so personal data is allowed (it is what a case
    moved to DM is for) and X's DM limit (10,000 characters) replaces the post's 280 weighted;
    banned terms, link rules, mentions and invisible characters apply as in public.
    """
    if channel == "dm":
        return _check_dm(text, policy, customer_username, brand_username)
    if _is_empty(text, policy.signature_format):
        return [
            Violation(
                "empty",
                policy.severity("empty"),
                "This reply has no message besides the signature; write an answer.",
            )
        ]
    if len(text) > MAX_COUNTED_CHARS:
        # Skip the other rules: their parsers are slow on huge input and it must be cut anyway.
        return [
            Violation(
                "length",
                policy.severity("length"),
                f"This reply has {len(text)} characters, far over the {MAX_WEIGHTED_LENGTH} "
                "X allows; shorten it.",
                {"characters": len(text), "limit": MAX_WEIGHTED_LENGTH},
            )
        ]
    violations = control_characters(text, policy)
    length = weighted_length(text)
    if length > MAX_WEIGHTED_LENGTH:
        violations.append(
            Violation(
                "length",
                policy.severity("length"),
                f"This reply is {length}/{MAX_WEIGHTED_LENGTH} characters as X counts them "
                "(Japanese characters count 2, links 23, signature included); shorten it.",
                {"length": length, "limit": MAX_WEIGHTED_LENGTH},
            )
        )
    violations += _personal_data(text, policy)
    violations += _banned_terms(text, policy)
    if "link_domain" not in policy.disabled:
        violations += _link_domains(text, policy)
    if "third_party_mention" not in policy.disabled:
        violations += _third_party_mentions(text, policy, customer_username, brand_username)
    return violations


def _check_dm(
    text: str, policy: GuidelinePolicy, customer: str | None, brand: str | None
) -> list[Violation]:
    if not text.strip():
        return [Violation("empty", policy.severity("empty"), "This DM is empty; write an answer.")]
    if len(text) > DM_MAX_CHARS:
        return [
            Violation(
                "length",
                policy.severity("length"),
                f"This DM has {len(text)} characters; X allows {DM_MAX_CHARS}. Shorten it.",
                {"characters": len(text), "limit": DM_MAX_CHARS},
            )
        ]
    violations = control_characters(text, policy)
    violations += _banned_terms(text, policy)
    if "link_domain" not in policy.disabled:
        violations += _link_domains(text, policy)
    if "third_party_mention" not in policy.disabled:
        violations += _third_party_mentions(text, policy, customer, brand)
    return violations


def blocking(violations: Iterable[Violation]) -> list[Violation]:
    """Return the findings that stop a reply from being posted."""
    return [v for v in violations if v.severity is Severity.BLOCK]


def warnings(violations: Iterable[Violation]) -> list[Violation]:
    """Return the findings that need an explicit confirm before posting."""
    return [v for v in violations if v.severity is Severity.WARN]


# --- empty -------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _signature_regex(fmt: str) -> re.Pattern[str]:
    marker = "\x00NUMBER\x00"
    literal = re.escape(fmt.strip().format(number=marker))
    return re.compile(r"\s*" + literal.replace(re.escape(marker), r"[^\s{}]+") + r"\s*\Z")


def _is_empty(text: str, signature_format: str) -> bool:
    body = _signature_regex(signature_format).sub("", text, count=1)
    return not body.strip()


# --- control and invisible characters ----------------------------------------------------

_INVISIBLE_CATEGORIES = ("Cc", "Cf")


def invisible_characters(text: str, allowed: str = "") -> list[str]:
    """The control and invisible characters (Unicode Cc, Cf) in ``text``, each once, in order.

    The one check for text a person cannot see: rule texts refuse all of them, replies and
    canned replies all but the line break (``allowed``).
    """
    found = (
        ch for ch in text if ch not in allowed and unicodedata.category(ch) in _INVISIBLE_CATEGORIES
    )
    return list(dict.fromkeys(found))


def control_characters(text: str, policy: GuidelinePolicy = DEFAULT_POLICY) -> list[Violation]:
    """The finding for a reply holding a NUL, a zero-width space or another unseen character.

    X would post them as they are, where nobody can see or take them back; only the line
    break is allowed (line endings are normalised to LF before this check).
    """
    found = invisible_characters(text, allowed="\n")
    if not found:
        return []
    codes = ", ".join(f"U+{ord(ch):04X}" for ch in found)
    return [
        Violation(
            "control_character",
            policy.severity("control_character"),
            f"This reply contains control or invisible characters ({codes}); delete them "
            "(retype a pasted text): only line breaks are allowed.",
            {"codes": codes},
        )
    ]


# --- personal data -----------------------------------------------------------------------

_DASHES_BETWEEN_DIGITS = re.compile(r"(?<=\d)[\u2010-\u2015\u2212\u30fc\uff70](?=\d)")
# Not after "scheme://" or another local-part character: https://user@host is a link. A
# colon alone may come first ("メール：taro@example.com", "mailto:").
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+/-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
# Separators between the digit groups are allowed; the look-arounds stop a longer run of
# numbers (two phone numbers side by side) from yielding a 13-19 digit slice.
_CARD = re.compile(r"(?<!\d)(?<!\d[ -])\d(?:[ -]?\d){12,18}(?![ -]?\d)")
# A bare 123-4567 is too ambiguous; only flag it with 〒 or a postcode word before it.
_POSTAL_CODE = re.compile(
    r"(?:〒|郵便番号\s*(?:は|:)?|(?i:postal code|post code|postcode|zip code|zip)\s*:?)"
    r"\s*\d{3}-?\d{4}(?![\d-])"
)

_KIND_WORDS = {
    "email": ("an e-mail address", "e-mail addresses"),
    "order_number": ("an order number", "order numbers"),
    "phone": ("a phone number", "phone numbers"),
    "card": ("a card number", "card numbers"),
    "postal_code": ("a postal code", "postal codes"),
}


def _normalise_for_matching(text: str) -> str:
    # NFKC turns full-width digits, ＠ and ： into ASCII; the dash map covers ー and − in
    # "03ー1234ー5678", which NFKC leaves alone. Both keep the string length for ASCII text
    # but not in general, so spans below refer to the normalised text only.
    return _DASHES_BETWEEN_DIGITS.sub("-", unicodedata.normalize("NFKC", text))


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _find_personal_data(text: str, policy: GuidelinePolicy) -> dict[str, list[str]]:
    """Return the matched strings per kind, each stretch of text claimed by one kind only."""
    norm = _normalise_for_matching(text)
    claimed: list[tuple[int, int]] = []
    found: dict[str, list[str]] = {}

    def claim(kind: str, start: int, end: int, value: str) -> None:
        if any(start < e and s < end for s, e in claimed):
            return
        claimed.append((start, end))
        found.setdefault(kind, []).append(value)

    for m in _EMAIL.finditer(norm):
        claim("email", m.start(), m.end(), m.group())
    for m in _compile(policy.order_number_pattern).finditer(norm):
        claim("order_number", m.start(), m.end(), m.group())
    allowed = {_e164(n, policy.phone_region) for n in policy.allowed_phone_numbers}
    for pm in phonenumbers.PhoneNumberMatcher(norm, policy.phone_region):
        if phonenumbers.format_number(pm.number, phonenumbers.PhoneNumberFormat.E164) in allowed:
            claimed.append((pm.start, pm.end))
            continue
        claim("phone", pm.start, pm.end, pm.raw_string)
    for m in _CARD.finditer(norm):
        digits = re.sub(r"\D", "", m.group())
        if _luhn(digits):
            claim("card", m.start(), m.end(), m.group())
    for m in _POSTAL_CODE.finditer(norm):
        claim("postal_code", m.start(), m.end(), m.group())
    return found


def mask_personal_data(text: str, policy: GuidelinePolicy = DEFAULT_POLICY) -> str:
    """``text`` with every stretch of personal data (as the guard finds it) replaced by ＊:
    DMs may carry it, exports and logs must not."""
    norm = _normalise_for_matching(text)
    base = text if len(norm) == len(text) else norm  # spans refer to the normalised text
    found = _find_personal_data(text, policy)
    masked = base
    for values in found.values():
        for value in values:
            start = norm.find(value)
            while start >= 0:
                masked = masked[:start] + "＊" * len(value) + masked[start + len(value) :]
                start = norm.find(value, start + len(value))
    return masked


def personal_data_kinds(text: str, policy: GuidelinePolicy = DEFAULT_POLICY) -> set[str]:
    """The kinds of personal data check_reply reports in ``text`` (switched-off kinds left out)."""
    found = _find_personal_data(text, policy)
    return {kind for kind in found if f"personal_data.{kind}" not in policy.disabled}


def _e164(number: str, region: str) -> str:
    try:
        parsed = phonenumbers.parse(unicodedata.normalize("NFKC", number), region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"allowed phone number {number!r} cannot be parsed: {exc}") from exc
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _personal_data(text: str, policy: GuidelinePolicy) -> list[Violation]:
    violations = []
    found = _find_personal_data(text, policy)
    for kind in PERSONAL_DATA_KINDS:
        values = found.get(kind)
        if not values or f"personal_data.{kind}" in policy.disabled:
            continue
        one, many = _KIND_WORDS[kind]
        what, it = (one, "it") if len(values) == 1 else (f"{len(values)} {many}", "them")
        # Name the kind and only the last two digits, so the message is safe to log and show.
        endings = [re.sub(r"\D", "", v)[-2:] for v in values if kind != "email"]
        hint = f" (ending in {', '.join(endings)})" if any(endings) else ""
        violations.append(
            Violation(
                "personal_data",
                policy.severity(f"personal_data.{kind}"),
                f"This reply contains {what}{hint}; remove {it} and ask the customer to continue "
                "by direct message (DM) instead of in a public reply.",
                {"kind": kind, "count": len(values), "endings": hint and ", ".join(endings)},
            )
        )
    return violations


# --- banned terms ------------------------------------------------------------------------


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).casefold())


def _banned_terms(text: str, policy: GuidelinePolicy) -> list[Violation]:
    folded = _fold(text)
    violations = []
    for term in dict.fromkeys(policy.banned_terms):
        needle = _fold(term).strip()
        if not needle:
            continue
        # ASCII letters must not run into the term ("confidentiality" is fine to skip,
        # "nonconfidential" too); other scripts have no word gaps, so plain substring.
        pattern = re.escape(needle)
        if needle[0].isascii() and needle[0].isalnum():
            pattern = r"(?<![a-z0-9])" + pattern
        if needle[-1].isascii() and needle[-1].isalnum():
            pattern += r"(?![a-z0-9])"
        if re.search(pattern, folded):
            violations.append(
                Violation(
                    "banned_term",
                    policy.term_severities.get(term, policy.severity("banned_term")),
                    f'This reply contains the banned term "{term}"; remove it before posting.',
                    {"term": term},
                )
            )
    return violations


# --- links -------------------------------------------------------------------------------

# X only links what twitter-text extracts, but a typed scheme://host is meant as a link
# even when X would not link it (e.g. the reserved .example TLD or user@host tricks).
_SCHEME_URL = re.compile(r"(?i)\bhttps?://[^\s/?#<>\"'()\[\]{}、。「」]+")


def _hosts(text: str) -> list[str]:
    # twitter-text is slow on long input: a long DM is read in overlapping slices.
    step = MAX_COUNTED_CHARS
    urls = [
        u["url"]
        for start in range(0, max(len(text), 1), step)
        for u in extract_urls_with_indices(text[max(start - 100, 0) : start + step])
    ]
    urls += [m.group() for m in _SCHEME_URL.finditer(text)]
    hosts: dict[str, None] = {}
    for url in urls:
        if "://" not in url:
            url = "https://" + url
        host = (urlsplit(url).hostname or "").strip(".")
        if host:
            hosts[host] = None
    return list(hosts)


def _domain_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in allowed)


# X's own "send us a DM" link (move to DM): always allowed, whatever the domain list says.
DM_LINK = re.compile(r"https://x\.com/messages/compose\?recipient_id=[0-9]{1,19}(?![\w/?&=.-])")


def _link_domains(text: str, policy: GuidelinePolicy) -> list[Violation]:
    text = DM_LINK.sub(" ", text)
    return [
        Violation(
            "link_domain",
            policy.severity("link_domain"),
            f"This reply links to {host}, which is not an allowed domain; link to "
            f"{policy.allowed_domains[0] if policy.allowed_domains else 'our site'} "
            "or remove the link.",
            {"host": host, "allowed": policy.allowed_domains[0] if policy.allowed_domains else ""},
        )
        for host in _hosts(text)
        if not _domain_allowed(host, policy.allowed_domains)
    ]


# --- mentions ----------------------------------------------------------------------------

# After twitter-text's mention rules: not after a word character or @, not an e-mail, not
# followed by more handle characters or "://".
_MENTION = re.compile(r"(?<![A-Za-z0-9_!#$%&*@＠])[@＠]([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@＠]|://)")


def _handle(name: str | None) -> str | None:
    return name.strip().lstrip("@＠").casefold() if name else None


def _third_party_mentions(
    text: str, policy: GuidelinePolicy, customer: str | None, brand: str | None
) -> list[Violation]:
    own = {_handle(customer), _handle(brand)} - {None}
    handles: dict[str, str] = {}  # casefolded -> as first written; X handles ignore case
    for m in _MENTION.finditer(text):
        key = m.group(1).casefold()
        if key not in own:
            handles.setdefault(key, m.group(1))
    return [
        Violation(
            "third_party_mention",
            policy.severity("third_party_mention"),
            f"This reply mentions @{handle}, who is not the customer; remove the mention "
            "unless that account really needs to see this reply.",
            {"handle": handle},
        )
        for handle in handles.values()
    ]
