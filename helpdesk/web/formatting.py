"""Babel's words and dates for a request, looked up once: the same strings, far fewer calls.

Flask-Babel finds the locale, zone and catalogue through `g` on every call, and Babel walks
its locale data for every date it formats; a page of 200 rows made thousands of such calls.
Here a request's locale, zone and translations are found once (kept on `g`), and formatted
pieces live in small process-wide caches keyed by exactly what Babel's output depends on,
each entry made by Babel itself the first time: a relative age by (locale, unit, count,
direction); a date by (locale, format, local day); a time of day by (locale, format, local
hour, minute, second) when the pattern shows nothing finer and no zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from babel import Locale, dates
from babel.support import NullTranslations
from flask import current_app, g, has_app_context
from flask_babel import format_datetime, format_timedelta, get_locale, get_timezone
from flask_babel import get_translations as babel_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

_CACHE_LIMIT = 20_000  # entries per cache; emptied when full (a day of dates is ~1,500)
_TIME_LETTERS = frozenset("HhKkmsa")  # a time pattern of only these is a function of h:m:s
_NOT_DATE_LETTERS = frozenset("HhKkmsSAaBbzZvVOXxjJC")  # a date pattern has none of these
_STANDARD = ("short", "medium", "long", "full")


@dataclass
class RequestI18n:
    """What one request formats with: its locale, zone and catalogue, and strings it made."""

    locale: Locale
    key: str
    tz: tzinfo
    translations: NullTranslations
    words: dict[object, str] = field(default_factory=dict)  # labels and paths already made


def current() -> RequestI18n | None:
    """This request's locale, zone and catalogue (found once per request), or None outside one."""
    if not has_app_context():
        return None
    state = g.get("_helpdesk_i18n")
    if state is None:
        locale = get_locale()
        if locale is None:
            return None
        state = RequestI18n(locale, str(locale), get_timezone(), babel_translations())
        g._helpdesk_i18n = state
    return state


def gettext(message: str) -> str:
    """The request's translation of `message` (the templates' `_`, formatted by Jinja)."""
    state = current()
    return (state.translations if state else babel_translations()).ugettext(message)


@pass_context
def template_gettext(context: Context, message: str, /, **variables: object) -> str:
    """The templates' `_`: what Jinja's newstyle gettext returns (the translation, Markup when
    autoescaping, always %-formatted), each message translated once a request; without
    variables the formatted text itself is kept. A page calls `_` hundreds of times."""
    state = current()
    escaped = context.eval_ctx.autoescape
    if state is None:
        return _trusted(babel_translations().ugettext(message), escaped) % variables
    key = ("_", message, escaped)
    found = state.words.get(key)
    if found is None:
        found = state.words[key] = _trusted(state.translations.ugettext(message), escaped)
    if variables:
        return found % variables
    plain = state.words.get((key, None))
    if plain is None:
        plain = state.words[key, None] = found % variables
    return plain


def _trusted(text: str, escaped: bool) -> str:
    # Our own catalogue's text, trusted as Jinja's newstyle gettext trusts it; the variables
    # formatted into it are escaped by Markup's %.
    return Markup(text) if escaped else text  # noqa: S704


def ngettext(singular: str, plural: str, n: int) -> str:
    """The request's translation of a message with a plural."""
    state = current()
    return (state.translations if state else babel_translations()).ungettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """The request's translation of `message` in `context`."""
    state = current()
    return (state.translations if state else babel_translations()).upgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    """The request's translation of a message with a plural in `context`."""
    state = current()
    translations = state.translations if state else babel_translations()
    return translations.unpgettext(context, singular, plural, n)


_AGES: dict[tuple[str, str, int, bool], str] = {}


def relative(value: datetime, now: datetime) -> str:
    """`value` relative to `now` to the minute ("5 minutes ago"), exactly as Flask-Babel's
    format_timedelta(granularity="minute", add_direction=True, threshold=0.9) says it."""
    seconds = (value - now).total_seconds()
    state = current()
    if state is None:
        return _babel_age(seconds)
    # Babel's own choice of unit and count (babel.dates.format_timedelta), which with the
    # locale and the direction is all its answer depends on.
    for unit, per_unit in dates.TIMEDELTA_UNITS:
        count = abs(seconds) / per_unit
        if count >= 0.9 or unit == "minute":
            if unit == "minute" and count > 0:
                count = max(1, count)
            break
    key = (state.key, unit, int(round(count)), seconds >= 0)
    found = _AGES.get(key)
    if found is None:
        found = _remember(_AGES, key, _babel_age(seconds))
    return found


def _babel_age(seconds: float) -> str:
    return format_timedelta(seconds, granularity="minute", add_direction=True, threshold=0.9)


_DATES: dict[tuple[str, str, object], str] = {}
_TIMES: dict[tuple[str, str, int, int, int], str] = {}
_PATTERNS: dict[tuple[str, str], tuple[str, bool, bool] | None] = {}


def local(value: datetime, fmt: str = "short") -> str:
    """`value` in the request's zone and language, exactly as Flask-Babel's format_datetime."""
    state = current()
    plan = _plan(state, fmt) if state else None
    if plan is None:
        return format_datetime(value, fmt)
    pattern, time_cached, date_cached = plan
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    moment = moment.astimezone(state.tz)
    normalize = getattr(state.tz, "normalize", None)  # pytz zones
    if normalize is not None:
        moment = normalize(moment)
    if fmt not in _STANDARD:  # a pattern of hours, minutes and seconds only (say HH:mm)
        return _time(state, fmt, moment, time_cached, lambda: _apply(fmt, moment, state))
    clock = _time(
        state,
        fmt,
        moment,
        time_cached,
        lambda: dates.format_time(moment, fmt, tzinfo=None, locale=state.locale),
    )
    day_key = (state.key, fmt, moment.date())
    day = _DATES.get(day_key) if date_cached else None
    if day is None:
        day = dates.format_date(moment, fmt, locale=state.locale)
        if date_cached:
            _remember(_DATES, day_key, day)
    return pattern.replace("{0}", clock).replace("{1}", day)  # babel.dates.format_datetime


def _time(state: RequestI18n, fmt: str, moment: datetime, cached: bool, make) -> str:
    key = (state.key, fmt, moment.hour, moment.minute, moment.second)
    found = _TIMES.get(key) if cached else None
    if found is None:
        found = make()
        if cached:
            _remember(_TIMES, key, found)
    return found


def _apply(fmt: str, moment: datetime, state: RequestI18n) -> str:
    return dates.parse_pattern(fmt).apply(moment, state.locale)


def _plan(state: RequestI18n, fmt: str) -> tuple[str, bool, bool] | None:
    """How to build `fmt` from cached pieces: (datetime pattern, time cacheable, date cacheable),
    or None when Flask-Babel must format it (a format the app configured differently, or a
    custom pattern showing more than hours, minutes and seconds)."""
    key = (state.key, fmt)
    if key not in _PATTERNS:
        _PATTERNS[key] = _make_plan(state.locale, fmt)
    return _PATTERNS[key]


def _make_plan(locale: Locale, fmt: str) -> tuple[str, bool, bool] | None:
    configured = current_app.extensions["babel"].instance.date_formats
    if fmt not in _STANDARD:
        only_time = set(_letters(fmt)) <= _TIME_LETTERS
        return ("", True, False) if only_time else None
    if configured.get(f"datetime.{fmt}") is not None:
        return None
    pattern = str(dates.get_datetime_format(fmt, locale=locale)).replace("'", "")
    time_cached = set(_letters(dates.get_time_format(fmt, locale=locale).pattern)) <= _TIME_LETTERS
    date_letters = set(_letters(dates.get_date_format(fmt, locale=locale).pattern))
    return pattern, time_cached, not date_letters & _NOT_DATE_LETTERS


def _letters(pattern: str) -> str:
    """The pattern's field letters (quoted literals left out)."""
    outside = pattern.split("'")[::2]
    return "".join(c for part in outside for c in part if c.isalpha())


def _remember(cache: dict, key: object, value: str) -> str:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


def money(value: object, places: int = 4) -> str:
    """US dollars in the request's locale (Babel's currency format): $0.015; a total to
    `places` decimals, never fewer than cents; an em dash when unknown."""
    from decimal import ROUND_HALF_UP, Decimal

    from babel.numbers import format_currency

    if value is None or isinstance(value, bool):
        return "—"
    amount = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return format_currency(
        amount.normalize() if amount else Decimal(0),
        "USD",
        locale=str(get_locale() or "en"),
        decimal_quantization=False,
    )
