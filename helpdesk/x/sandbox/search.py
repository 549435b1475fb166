"""Recent search in the sandbox: AND-ed query terms matched against stored posts."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass

from helpdesk.x.sandbox.rates import DAY_SECONDS
from helpdesk.x.sandbox.state import MENTION_RE, Page, Query, SandboxState, Tweet, id_floor

SEARCH_DAYS = 7


@dataclass(frozen=True)
class SearchTerm:
    """One AND-ed piece of a recent-search query: @user, from:, to:, is:, or a keyword."""

    kind: str
    value: str
    negated: bool = False

    def bind(self, state: SandboxState) -> Callable[[Tweet], bool]:
        test = self._test(state)
        if self.negated:
            return lambda tweet: not test(tweet)
        return test

    def _test(self, state: SandboxState) -> Callable[[Tweet], bool]:
        value = self.value.lower()
        if self.kind == "mention":
            if value == state.brand.username.lower():
                return lambda tweet: tweet.mentions_brand
            return lambda tweet: any(m.lower() == value for m in MENTION_RE.findall(tweet.text))
        if self.kind in ("from", "to"):
            user = state.users_by_name.get(value)
            user_id = user.id if user else -1
            if self.kind == "from":
                return lambda tweet: tweet.author_id == user_id
            return lambda tweet: tweet.in_reply_to_user_id == user_id
        if self.kind == "conversation_id":
            return lambda tweet: str(tweet.conversation_id) == value
        if self.kind == "lang":
            return lambda tweet: tweet.lang == value
        if self.kind == "is":
            kind = {"retweet": "retweeted", "reply": "replied_to", "quote": "quoted"}[value]
            return lambda tweet: any(k == kind for k, _ in tweet.referenced)
        return lambda tweet: value in tweet.text.lower()


def search_page(state: SandboxState, terms: list[SearchTerm], query: Query) -> Page:
    """Posts of the last 7 days matching every term, newest first."""
    with state.lock:
        ids = _candidates(state, terms)
        floor = bisect_left(ids, id_floor(int((state.now() - SEARCH_DAYS * DAY_SECONDS) * 1000)))
        bound = [t.bind(state) for t in terms]
        return state.page(ids, query, floor, lambda tw: all(match(tw) for match in bound))


def _candidates(state: SandboxState, terms: list[SearchTerm]) -> list[int]:
    """The narrowest id list to scan: the brand's mentions or one author's posts if asked."""
    for term in terms:
        if term.negated:
            continue
        if term.kind == "mention" and term.value.lower() == state.brand.username.lower():
            return state.mention_ids
        if term.kind == "from":
            user = state.users_by_name.get(term.value.lower())
            return state.by_author.get(user.id, []) if user else []
    return state.all_ids
