"""What X does to a post's text whenever it serves it: `&`, `<`, `>` escaped, URLs in t.co."""

from __future__ import annotations

import hashlib
import re

from twitter_text import extract_urls_with_indices

TCO_PREFIX = "https://t.co/"
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_DISPLAY_MAX = 25  # X cuts display_url and ends it with an ellipsis past about this length
_SCHEME = re.compile(r"(?i)^https?://")


def escape(text: str) -> str:
    """X's transport escaping: exactly `&`, `<` and `>` (a typed `&amp;` becomes `&amp;amp;`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def tco(tweet_id: int, index: int, url: str) -> str:
    """A stable t.co link for the `index`th URL of a post: the same on every read."""
    digest = hashlib.blake2b(f"{tweet_id}:{index}:{url}".encode(), digest_size=8).digest()
    number = int.from_bytes(digest)
    code = ""
    for _ in range(10):
        number, rest = divmod(number, len(_ALPHABET))
        code += _ALPHABET[rest]
    return TCO_PREFIX + code


def expanded(url: str) -> str:
    """The URL as X expands it: a bare domain gets http://, as on X."""
    return url if _SCHEME.match(url) else "http://" + url


def display(url: str) -> str:
    """X's display_url: no scheme, cut with an ellipsis when long."""
    bare = _SCHEME.sub("", url)
    return bare if len(bare) <= _DISPLAY_MAX else bare[: _DISPLAY_MAX - 1] + "…"


def served_text(tweet_id: int, text: str) -> tuple[str, list[dict[str, object]]]:
    """The text as X serves it and its `entities.urls` (code point offsets in that text)."""
    pieces: list[str] = []
    urls: list[dict[str, object]] = []
    at = 0  # position in the typed text
    length = 0  # code points served so far
    for index, found in enumerate(extract_urls_with_indices(text)):
        start, end = found["indices"]
        before = escape(text[at:start])
        link = tco(tweet_id, index, found["url"])
        pieces += [before, link]
        length += len(before)
        urls.append(
            {
                "start": length,
                "end": length + len(link),
                "url": link,
                "expanded_url": expanded(found["url"]),
                "display_url": display(found["url"]),
            }
        )
        length += len(link)
        at = end
    pieces.append(escape(text[at:]))
    return "".join(pieces), urls
