"""The sandbox's one-to-one direct messages: events, conversations, sends and their limits.

Choices where X leaves room:

- A one-to-one conversation's id is the two user ids joined by ``-``, smaller first
  (X's ``DmConversationId`` pattern ``^([0-9]{1,19}-[0-9]{1,19}|[0-9]{15,19})$``).
- DM event ids come from the same snowflake clock as posts, so they never collide with one.
- DM text is served as it was sent (no HTML escaping, no t.co wrapping): X documents the
  escaping for posts only.
- Only the last ``dm_window_days`` (30) days of events are served; older ones silently
  drop out, as X says.
- A customer who does not accept DMs from the brand gets the brand's sends refused with 403;
  a customer DMing the brand accepts DMs from it again (their DMs open the conversation).
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from helpdesk.x.sandbox.basics import (
    EPOCH_MS,
    INVALID_REQUEST,
    Page,
    Query,
    SandboxError,
    id_floor,
    too_many_requests,
)

if TYPE_CHECKING:
    from helpdesk.x.sandbox.state import SandboxSettings, User

DM_EVENT_TYPES = ("MessageCreate", "ParticipantsJoin", "ParticipantsLeave")
DM_MAX_CHARS = 10_000
DM_READ_KEYS = (
    "GET /2/dm_events",
    "GET /2/dm_conversations/with/:participant_id/dm_events",
    "GET /2/dm_conversations/:dm_conversation_id/dm_events",
)
DM_SEND_KEY = "POST /2/dm_conversations/messages"
DM_DAILY_KEY = "POST /2/dm_conversations/messages (24 hours)"
CANNOT_SEND = "You cannot send messages to this user."


@dataclass(slots=True)
class DmEvent:
    """One DM event as X holds it."""

    id: int
    event_type: str
    conversation_id: str
    sender_id: int | None
    text: str | None
    participant_ids: tuple[int, ...] = ()

    @property
    def created_ms(self) -> int:
        return (self.id >> 22) + EPOCH_MS


class DmRejected(Exception):
    """X refuses a DM send: carries the HTTP status and the problem body."""

    def __init__(self, status: int, body: dict[str, object]) -> None:
        super().__init__(body.get("detail") or body)
        self.status = status
        self.body = body


def conversation_id(a: int, b: int) -> str:
    """X's id of the one-to-one conversation between two users."""
    low, high = sorted((a, b))
    return f"{low}-{high}"


class DirectMessages:
    """The DM half of SandboxState (a mixin: it shares the state's lock, clock and users)."""

    lock: threading.RLock
    settings: SandboxSettings
    brand: User
    users: dict[int, User]
    users_by_name: dict[str, User]
    dm_ids: list[int]
    dm_events: dict[int, DmEvent]
    dms_closed: set[int]
    now: Callable[[], float]
    _next_id: Callable[..., int]
    user_for: Callable[..., User]
    page: Callable[..., Page]

    def _clear_dms(self) -> None:
        self.dm_ids = []
        self.dm_events = {}
        self.dms_closed = set()

    def _add_dm(self, event: DmEvent) -> DmEvent:
        self.dm_ids.append(event.id)
        self.dm_events[event.id] = event
        return event

    def add_customer_dm(
        self, username: str, name: str | None, text: str | None, event_type: str = "MessageCreate"
    ) -> DmEvent:
        """A customer DMs the brand (or joins/leaves the conversation); returns the event."""
        with self.lock:
            if username.lower() == self.brand.username.lower():
                raise SandboxError("the brand's DMs go through POST /2/dm_conversations/...")
            customer = self.user_for(username, name)
            if event_type == "MessageCreate":
                self.dms_closed.discard(customer.id)
            conv = conversation_id(self.brand.id, customer.id)
            if event_type == "MessageCreate":
                return self._add_dm(DmEvent(self._next_id(), event_type, conv, customer.id, text))
            return self._add_dm(
                DmEvent(self._next_id(), event_type, conv, None, None, (customer.id,))
            )

    def add_brand_dm_elsewhere(self, username: str, text: str) -> DmEvent:
        """The brand DMs a customer from another client (X's own app): the event only, none of
        this app's send limits; SandboxError when the brand and the customer never talked."""
        with self.lock:
            customer = self.users_by_name.get(username.lower())  # type: ignore[attr-defined]
            if customer is None or customer.id == self.brand.id:
                raise SandboxError(f"no customer @{username}")
            conv = conversation_id(self.brand.id, customer.id)
            return self._add_dm(
                DmEvent(self._next_id(), "MessageCreate", conv, self.brand.id, text)
            )

    def set_accepts_dms(self, username: str, accepts: bool) -> User:
        """Whether the customer accepts DMs from the brand (False: sends get 403)."""
        with self.lock:
            user = self.user_for(username)
            if accepts:
                self.dms_closed.discard(user.id)
            else:
                self.dms_closed.add(user.id)
            return user

    def send_brand_dm(
        self, text: str, *, participant_id: int | None = None, conversation: str | None = None
    ) -> DmEvent:
        """The brand sends a DM, as POST /2/dm_conversations/... would, or DmRejected."""
        with self.lock:
            if conversation is not None:
                parts = conversation.split("-")
                other = [int(p) for p in parts if int(p) != self.brand.id]
                if len(parts) != 2 or len(other) != 1 or other[0] not in self.users:
                    raise DmRejected(404, _not_found_conversation(conversation))
                participant_id = other[0]
            if participant_id is None or participant_id not in self.users:
                raise DmRejected(400, _invalid("participant_id", participant_id))
            if participant_id == self.brand.id:
                raise DmRejected(400, _invalid("participant_id", participant_id))
            customer = self.users[participant_id]
            if not text.strip():
                raise DmRejected(400, _invalid_text("$.text: must not be empty"))
            if len(text) > DM_MAX_CHARS:
                raise DmRejected(
                    400, _invalid_text(f"$.text: must be at most {DM_MAX_CHARS} characters")
                )
            if customer.id in self.dms_closed or customer.unavailable:
                raise DmRejected(403, _forbidden(CANNOT_SEND))
            if not self._dm_daily_allows():
                raise DmRejected(429, too_many_requests())
            conv = conversation_id(self.brand.id, customer.id)
            event = self._add_dm(
                DmEvent(self._next_id(), "MessageCreate", conv, self.brand.id, text)
            )
            self._consume_dm_daily()
            return event

    def _dm_daily_allows(self) -> bool:
        window = self._window(DM_DAILY_KEY, 86_400)  # type: ignore[attr-defined]
        if window.used >= self.settings.daily_dm_limit:
            self.counters.rate_limited += 1  # type: ignore[attr-defined]
            return False
        return True

    def _consume_dm_daily(self) -> None:
        self._window(DM_DAILY_KEY, 86_400).used += 1  # type: ignore[attr-defined]

    def dm_page(
        self,
        query: Query,
        *,
        event_types: frozenset[str] = frozenset(DM_EVENT_TYPES),
        participant_id: int | None = None,
        conversation: str | None = None,
    ) -> Page:
        """The brand's DM events, newest first, within the last `dm_window_days` days."""
        with self.lock:
            floor_ms = int(self.now() * 1000) - self.settings.dm_window_days * 86_400_000
            start = _first_at_or_above(self.dm_ids, id_floor(floor_ms))
            wanted = None
            if participant_id is not None or conversation is not None:
                wanted = conversation or conversation_id(self.brand.id, participant_id or 0)

            def keep(event_id: int) -> bool:
                event = self.dm_events[event_id]
                return event.event_type in event_types and (
                    wanted is None or event.conversation_id == wanted
                )

            return _dm_page(self.dm_ids, query, start, keep)

    def conversation_with(self, username: str) -> list[DmEvent] | None:
        """Every event of the brand's conversation with @username, oldest first."""
        with self.lock:
            user = self.users_by_name.get(username.lower())
            if user is None:
                return None
            conv = conversation_id(self.brand.id, user.id)
            return [e for i in self.dm_ids if (e := self.dm_events[i]).conversation_id == conv]


def _first_at_or_above(ids: list[int], floor: int) -> int:
    return bisect_left(ids, floor)


def _dm_page(ids: list[int], query: Query, lo: int, keep: Callable[[int], bool]) -> Page:
    hi = len(ids) if query.cursor is None else bisect_left(ids, query.cursor)
    found: list[int] = []
    index = hi - 1
    while index >= lo and len(found) < query.max_results:
        if keep(ids[index]):
            found.append(ids[index])
        index -= 1
    more = any(keep(ids[i]) for i in range(index, lo - 1, -1))
    return Page(found, more)


def _forbidden(detail: str) -> dict[str, object]:
    return {"detail": detail, "type": "about:blank", "title": "Forbidden", "status": 403}


def _invalid_text(message: str) -> dict[str, object]:
    return {
        "errors": [{"message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": INVALID_REQUEST,
    }


def _invalid(parameter: str, value: object) -> dict[str, object]:
    return {
        "errors": [
            {
                "parameters": {parameter: [str(value)]},
                "message": f"The `{parameter}` [{value}] is not a user you can message.",
            }
        ],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": INVALID_REQUEST,
    }


def _not_found_conversation(conversation: str) -> dict[str, object]:
    return {
        "title": "Not Found Error",
        "detail": f"Could not find dm_conversation with id: [{conversation}].",
        "type": "https://api.twitter.com/2/problems/resource-not-found",
        "status": 404,
    }
