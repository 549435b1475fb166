"""The X adapter: tweepy over HTTP with a timeout, answering our dataclasses and errors."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import requests
import tweepy

from helpdesk.x.errors import (
    XAmbiguous,
    XDuplicateContent,
    XError,
    XMalformed,
    XNotConfigured,
    XRateLimited,
    XRejected,
    XUnavailable,
)
from helpdesk.x.models import DmPage, PostedTweet, SentDm, TweetPage, UserLookup, XAccount
from helpdesk.x.parse import (
    parse_dm_page,
    parse_page,
    parse_rate_limit,
    parse_user,
    parse_users,
    snowflake,
    typed_text,
)
from helpdesk.x.transport import CallCounter, attach_transport

if TYPE_CHECKING:
    from helpdesk.config import Settings

TWEET_FIELDS = [
    "created_at",
    "author_id",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "entities",
    "lang",
]
EXPANSIONS = ["author_id", "referenced_tweets.id", "referenced_tweets.id.author_id"]
USER_FIELDS = ["username", "name", "profile_image_url", "public_metrics"]
DM_EVENT_FIELDS = ["id", "event_type", "text", "sender_id", "dm_conversation_id", "created_at"]
DM_EXPANSIONS = ["sender_id"]
DUPLICATE_DETAIL = "duplicate content"

# Told how X answered each real call: (call name, None for an answer, or the error).
CallObserver = Callable[[str, XError | None], None]


def _detail(exc: tweepy.HTTPException) -> str:
    messages = [str(m) for m in (exc.api_messages or []) if m]
    text = "; ".join(messages) or f"{exc.response.status_code} {exc.response.reason}"
    return text[:500]


@contextlib.contextmanager
def _translated(*, write: bool) -> Iterator[None]:
    """Map tweepy/requests failures to our errors; a write that may have landed is ambiguous."""
    try:
        yield
    except tweepy.TooManyRequests as exc:
        reset = parse_rate_limit(exc.response.headers).reset_at
        raise XRateLimited(_detail(exc), reset) from None
    except tweepy.TwitterServerError as exc:
        error = XAmbiguous if write else XUnavailable
        raise error(f"X answered {exc.response.status_code}: {_detail(exc)}") from None
    except tweepy.Forbidden as exc:
        detail = _detail(exc)
        if DUPLICATE_DETAIL in detail.lower():
            raise XDuplicateContent(detail, 403) from None
        raise XRejected(detail, 403) from None
    except tweepy.HTTPException as exc:
        raise XRejected(_detail(exc), exc.response.status_code) from None
    except (requests.ConnectTimeout, requests.exceptions.SSLError) as exc:
        raise XUnavailable(f"could not reach X: {type(exc).__name__}") from None
    except requests.ConnectionError as exc:
        # Refused before sending is safe to retry; a dropped answer after sending is not.
        never_sent = "NewConnectionError" in repr(exc) or "Connection refused" in str(exc)
        error = XAmbiguous if write and not never_sent else XUnavailable
        raise error(f"connection to X failed: {type(exc).__name__}") from None
    except requests.Timeout as exc:
        error = XAmbiguous if write else XUnavailable
        raise error(f"X did not answer in time: {type(exc).__name__}") from None
    except (requests.JSONDecodeError, ValueError) as exc:
        raise XMalformed(f"X answered something that is not JSON: {exc}") from None


class XClient:
    """The few X API v2 calls the helpdesk makes, through tweepy's own request code."""

    def __init__(
        self,
        *,
        bearer_token: str | None,
        consumer_key: str | None,
        consumer_secret: str | None,
        access_token: str | None,
        access_token_secret: str | None,
        base_url: str | None = None,
        timeout: float = 10.0,
        observer: CallObserver | None = None,
        counter: CallCounter | None = None,
    ) -> None:
        self._user_auth_ready = all(
            (consumer_key, consumer_secret, access_token, access_token_secret)
        )
        self._bearer_ready = bool(bearer_token)
        # Never wait_on_rate_limit: it sleeps inside the worker for up to 15 minutes.
        self._tweepy = tweepy.Client(
            bearer_token=bearer_token,
            consumer_key=consumer_key,
            consumer_secret=consumer_secret,
            access_token=access_token,
            access_token_secret=access_token_secret,
            return_type=requests.Response,
            wait_on_rate_limit=False,
        )
        attach_transport(self._tweepy, base_url, timeout, counter)
        self.base_url = base_url
        self.observer = observer

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        observer: CallObserver | None = None,
        counter: CallCounter | None = None,
    ) -> XClient:
        """The client for the configured credentials and X_API_BASE_URL."""
        return cls(
            bearer_token=settings.x_bearer_token,
            consumer_key=settings.x_consumer_key,
            consumer_secret=settings.x_consumer_secret,
            access_token=settings.x_access_token,
            access_token_secret=settings.x_access_token_secret,
            base_url=settings.x_api_base_url,
            timeout=settings.x_timeout_seconds,
            observer=observer,
            counter=counter,
        )

    @property
    def configured(self) -> bool:
        """True when there are credentials to read and to post."""
        return self._user_auth_ready

    def _require_user_auth(self) -> None:
        if not self._user_auth_ready:
            raise XNotConfigured(
                "X credentials are missing: set X_CONSUMER_KEY, X_CONSUMER_SECRET, "
                "X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET"
            )

    @contextlib.contextmanager
    def _call(self, call: str, *, write: bool = False) -> Iterator[None]:
        """One real call to X, its answer read inside: failures translated, the observer told."""
        try:
            with _translated(write=write):
                yield
        except XError as exc:
            if self.observer is not None:
                self.observer(call, exc)
            raise
        if self.observer is not None:
            self.observer(call, None)

    def get_me(self) -> XAccount:
        """The account the credentials belong to: the brand account."""
        self._require_user_auth()
        with self._call("users/me"):
            body = self._tweepy.get_me(user_auth=True).json()
            if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
                raise XMalformed("users/me answered without data")
            return parse_user(body["data"])

    def _read_page(self, call: str, **params: Any) -> TweetPage:
        self._require_user_auth()
        params = {k: v for k, v in params.items() if v is not None}
        with self._call(call):
            response = getattr(self._tweepy, call)(
                tweet_fields=TWEET_FIELDS,
                expansions=EXPANSIONS,
                user_fields=USER_FIELDS,
                user_auth=not self._bearer_ready,
                **params,
            )
            return parse_page(response.json(), parse_rate_limit(response.headers))

    def mentions_page(
        self, user_id: int, *, since_id: int | None = None, pagination_token: str | None = None
    ) -> TweetPage:
        """One page (up to 100, newest first) of GET /2/users/:id/mentions."""
        return self._read_page(
            "get_users_mentions",
            id=user_id,
            since_id=since_id,
            pagination_token=pagination_token,
            max_results=100,
        )

    def search_recent_page(
        self,
        query: str,
        *,
        since_id: int | None = None,
        until_id: int | None = None,
        next_token: str | None = None,
    ) -> TweetPage:
        """One page of GET /2/tweets/search/recent (the last 7 days, past the 800 window)."""
        return self._read_page(
            "search_recent_tweets",
            query=query,
            since_id=since_id,
            until_id=until_id,
            next_token=next_token,
            max_results=100,
        )

    def user_tweets_page(
        self, user_id: int, *, since_id: int | None = None, pagination_token: str | None = None
    ) -> TweetPage:
        """One page of an account's own posts (GET /2/users/:id/tweets)."""
        return self._read_page(
            "get_users_tweets",
            id=user_id,
            since_id=since_id,
            pagination_token=pagination_token,
            max_results=100,
        )

    def create_reply(self, text: str, in_reply_to_tweet_id: int) -> PostedTweet:
        """POST /2/tweets as a reply; XAmbiguous when it may or may not have been posted."""
        self._require_user_auth()
        with self._call("create_tweet", write=True):
            response = self._tweepy.create_tweet(
                text=text, in_reply_to_tweet_id=str(in_reply_to_tweet_id), user_auth=True
            )
            try:
                data = response.json()["data"]
                return PostedTweet(
                    id=snowflake(data["id"], "posted tweet id"),
                    text=typed_text(data)[0] if isinstance(data.get("text"), str) else text,
                    rate_limit=parse_rate_limit(response.headers),
                )
            except (ValueError, KeyError, TypeError, XMalformed) as exc:
                # X said 2xx, so the post exists; without its id we must reconcile.
                raise XAmbiguous(
                    f"X accepted the post but its answer was unreadable: {exc}"
                ) from None

    def lookup_users(self, ids: list[int]) -> UserLookup:
        """GET /2/users for up to 100 ids; the ones X cannot describe come back as missing."""
        if not 1 <= len(ids) <= 100:
            raise ValueError("X looks up 1 to 100 users at a time")
        self._require_user_auth()
        with self._call("users/lookup"):
            response = self._tweepy.get_users(
                ids=[str(i) for i in ids],
                user_fields=USER_FIELDS,
                user_auth=not self._bearer_ready,
            )
            return parse_users(response.json(), ids)

    def dm_events_page(
        self, *, participant_id: int | None = None, pagination_token: str | None = None
    ) -> DmPage:
        """One page (up to 100, newest first) of the brand's DM events (GET /2/dm_events),
        or of its conversation with one user; X serves the last 30 days only."""
        self._require_user_auth()
        params: dict[str, Any] = {"pagination_token": pagination_token, "max_results": 100}
        if participant_id is not None:
            params["participant_id"] = participant_id
        with self._call("get_direct_message_events"):
            response = self._tweepy.get_direct_message_events(
                dm_event_fields=DM_EVENT_FIELDS,
                expansions=DM_EXPANSIONS,
                user_fields=USER_FIELDS,
                user_auth=True,
                **{k: v for k, v in params.items() if v is not None},
            )
            return parse_dm_page(response.json(), parse_rate_limit(response.headers))

    def send_dm(self, participant_id: int, text: str) -> SentDm:
        """DM a user from the brand; XAmbiguous when it may or may not have been sent."""
        self._require_user_auth()
        with self._call("create_direct_message", write=True):
            response = self._tweepy.create_direct_message(
                participant_id=participant_id, text=text, user_auth=True
            )
            try:
                data = response.json()["data"]
                return SentDm(
                    dm_event_id=snowflake(data["dm_event_id"], "dm_event_id"),
                    dm_conversation_id=str(data["dm_conversation_id"]),
                    rate_limit=parse_rate_limit(response.headers),
                )
            except (ValueError, KeyError, TypeError, XMalformed) as exc:
                # X said 2xx, so the DM exists; without its id we must reconcile.
                raise XAmbiguous(
                    f"X accepted the DM but its answer was unreadable: {exc}"
                ) from None
