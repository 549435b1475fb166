"""Count a post's length the way X does (twitter-text v3) and sign replies with a number."""

from __future__ import annotations

import re
import string
import unicodedata

from twitter_text import extract_urls_with_indices, parse_tweet

MAX_WEIGHTED_LENGTH = 280
# twitter-text's URL regex is quadratic on inputs like "x.x.x...." (seconds at a few thousand
# characters), so callers that take untrusted input refuse text longer than this before
# counting it. Only a reply with a URL hundreds of characters long could exceed it and fit.
MAX_COUNTED_CHARS = 1000
DEFAULT_SIGNATURE_FORMAT = " ^{number}"

_LINE_BREAK = re.compile(r"\r\n|\r")
_SCHEME = re.compile(r"(?i)^https?://")
_ANY_SCHEME = re.compile(r"(?i)https?://")


def normalize_line_endings(text: str) -> str:
    """Return ``text`` with CRLF and lone CR turned into LF."""
    # twitter-text-parser counts CRLF as 1 where the reference implementation (and so X)
    # counts 2; posting only LF makes our count and X's agree, so we normalise both here
    # and in with_signature, i.e. in what we count and in what we post.
    return _LINE_BREAK.sub("\n", text)


def weighted_length(text: str) -> int:
    """Return the twitter-text v3 weighted length (CJK 2, URL 23, emoji 2) of ``text``.

    Exact at any length but slow on long hostile text; see MAX_COUNTED_CHARS.
    """
    return parse_tweet(normalize_line_endings(text)).weightedLength


def fits(text: str) -> bool:
    """Return True when ``text`` is not blank and X would accept its length and characters.

    Text over MAX_COUNTED_CHARS code points is refused without counting it.
    """
    if not text.strip():
        return False
    if len(text) > MAX_COUNTED_CHARS:
        return False
    # ``valid`` also rejects characters X refuses (e.g. U+FFFE), not only the length.
    return parse_tweet(normalize_line_endings(text)).valid


def validate_signature_format(fmt: str) -> str:
    """Return ``fmt`` if it is a usable signature format, else raise ValueError saying why.

    The format must contain the field ``{number}`` and no other field; literal braces
    are written ``{{`` and ``}}`` as in ``str.format``.
    """
    if not isinstance(fmt, str):
        raise ValueError(f"signature format must be a string, not {type(fmt).__name__}")
    try:
        fields = [
            (name, spec, conversion)
            for _literal, name, spec, conversion in string.Formatter().parse(fmt)
            if name is not None
        ]
    except ValueError as exc:
        raise ValueError(
            f"signature format {fmt!r} has unbalanced braces ({exc}); "
            "write literal braces as '{{' and '}}'"
        ) from exc
    if not fields:
        raise ValueError(f"signature format {fmt!r} must contain '{{number}}'")
    for name, spec, conversion in fields:
        if name != "number" or spec or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "")
            shown += (f":{spec}" if spec else "") + "}"
            raise ValueError(
                f"signature format {fmt!r} may only contain the field '{{number}}', not {shown!r}"
            )
    return fmt


def with_signature(text: str, number: str, signature_format: str = DEFAULT_SIGNATURE_FORMAT) -> str:
    """Return ``text`` as it will be posted: line endings fixed, NFC, signed with ``number``."""
    validate_signature_format(signature_format)
    number = str(number).strip()
    if not number:
        raise ValueError("employee number for the signature must not be empty")
    body = normalize_line_endings(text).rstrip()
    signed = body + signature_format.format(number=number)
    return unicodedata.normalize("NFC", normalize_line_endings(signed))


def has_link(text: str) -> bool:
    """Whether X finds a link in `text` (a post with a link is priced apart): twitter-text's
    URL extraction, as X's own; text too long to be a post is only looked at for a scheme."""
    if len(text) > MAX_COUNTED_CHARS:
        return _ANY_SCHEME.search(text) is not None
    return bool(extract_urls_with_indices(normalize_line_endings(text)))


def comparable(text: str) -> str:
    """A post's text as reconciliation compares it: NFC, whitespace runs as one space, and
    every link without its scheme (X expands a typed `example.com` to `http://example.com`).
    """
    text = unicodedata.normalize("NFC", text)
    if len(text) <= MAX_COUNTED_CHARS:  # longer cannot be a post; and the URL regex is slow
        pieces, at = [], 0
        for found in extract_urls_with_indices(text):
            start, end = found["indices"]
            pieces += [text[at:start], _SCHEME.sub("", found["url"])]
            at = end
        text = "".join(pieces) + text[at:]
    return " ".join(text.split())
