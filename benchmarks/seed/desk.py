"""The desk's history, generated in time order: staff, customers, mentions and what befalls
each (claims, replies, approvals, escalations, dismissals), ingest runs and the audit chain."""

from __future__ import annotations

import argparse
import hashlib
import heapq
import itertools
import math
import random
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from benchmarks.seed.data import (
    BLOCK_RULES,
    CLAIM_TTL,
    DAILY,
    DAY,
    DISMISS_REASONS,
    ESCALATION_REASONS,
    EXTRAS,
    HOSTILE,
    HOSTILE_NAMES,
    HOUR,
    JST,
    MINUTE,
    POST_ERRORS,
    REJECT_REASONS,
    REPLIES,
    RESOLUTIONS,
    SECOND,
    SEED_PASSWORD,
    SLA,
    USERS_PER_MENTION,
    WARN_RULES,
    WEEKLY,
    iso,
    opt,
    snowflake,
    stamp,
)
from benchmarks.seed.sinks import TABLES, Sink
from helpdesk.demo.seed import DEMO_CANNED_REPLIES
from helpdesk.models.audit import GENESIS_HASH, chain_hash, encode_details
from helpdesk.services.escalation import SLA_BREACH_REASON
from helpdesk.services.priority import HIGH_REACH_FOLLOWERS, priority_for
from helpdesk.x.sandbox import corpus
from helpdesk.x.sandbox.state import BRAND_ID, BRAND_NAME, BRAND_USERNAME, EPOCH_MS
from helpdesk.x.text import with_signature


@dataclass(slots=True)
class Staff:
    id: int
    number: str
    role: str
    joined: int
    left: int | None = None
    certified: int | None = None  # a trainee who became an agent at this time


@dataclass(slots=True)
class Run:
    """One ingest pass: the mentions it stored and how it ended."""

    k: int
    at: int
    outcome: str = "ok"
    row: bool = True  # false: skipped (paused after a rate limit), no IngestRun row
    fetched: int = 0
    newest: int | None = None
    oldest: int | None = None
    retry_at: int | None = None


@dataclass(slots=True)
class Mention:
    id: int
    tweet_id: int
    created: int
    ingested: int
    author: int  # index into the customers
    author_x_id: int
    lang: str
    category: str
    priority: str
    conversation_id: int
    status: str = "open"
    claimed_by: int | None = None
    claim_expires: int | None = None
    closed_by: int | None = None
    close_reason: str | None = None
    closed_at: int | None = None
    escalated_at: int | None = None
    open_since: int = 0
    open_spans: list[tuple[int, int]] = field(default_factory=list)


@dataclass(slots=True)
class Holder:
    """An id known only when its row is written (later than the event that needs it)."""

    id: int = 0
    x_tweet_id: int | None = None


class Desk:
    """Generates the whole history in time order and hands rows to the sink."""

    def __init__(self, args: argparse.Namespace, until: int, sink: Sink, password_hash: str):
        self.rng = random.Random(args.seed)  # noqa: S311 - benchmark data, deterministic
        self.until = until
        self.start = until - args.years * 365 * DAY
        self.total = args.mentions
        self.sink = sink
        self.password_hash = password_hash
        self.interval = args.ingest_every * SECOND
        self.next_id: dict[str, int] = dict.fromkeys(TABLES, 1)
        self.heap: list[tuple[int, int, Callable[..., None], tuple]] = []
        self.followups: list[tuple[int, int, tuple]] = []
        self.seq = itertools.count()
        self.prev_hash = GENESIS_HASH
        self.last_tweet_id = 0
        self.staff: list[Staff] = []
        self.signed: dict[tuple[str, str], str] = {}
        self.priority_cache: dict[str, str] = {}
        self.runs: dict[int, Run] = {}
        self.next_run = 1
        self.cursor: int | None = None
        self.last_ingest: int | None = None
        self.last_run_k = (until - MINUTE - self.start) // self.interval
        self._pools: dict[int, tuple[list[Staff], list[Staff], list[Staff]]] = {}

    # -- helpers --------------------------------------------------------------------------

    def new_id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def at(self, when: int, action: Callable[..., None], *args: object) -> None:
        """Do `action` when the timeline reaches `when` (ties in the order asked)."""
        heapq.heappush(self.heap, (when, next(self.seq), action, args))

    def run_due(self, now: int) -> None:
        heap = self.heap
        while heap and heap[0][0] <= now:
            when, _, action, args = heapq.heappop(heap)
            action(when, *args)

    def audit(
        self,
        when: int,
        actor: Staff | None,
        action: str,
        kind: str,
        subject: object,
        /,
        **details: object,
    ) -> None:
        """Append one event to the chain, exactly as services/audit.record would."""
        if isinstance(subject, Holder):
            subject = subject.id
        for key, value in details.items():
            if isinstance(value, Holder):
                details[key] = str(value.x_tweet_id) if key == "x_tweet_id" else value.id
        text = encode_details(details)
        number = actor.number if actor else None
        subject_id = str(subject)
        at = stamp(when)
        digest = chain_hash(self.prev_hash, iso(at), number, action, kind, subject_id, text)
        row = (
            self.new_id("audit_events"),
            at,
            number,
            action,
            kind,
            subject_id,
            text,
            self.prev_hash,
            digest,
        )
        self.sink.add("audit_events", row)
        self.prev_hash = digest

    def later(
        self,
        when: int,
        actor: Staff | None,
        action: str,
        kind: str,
        subject: object,
        /,
        **details: object,
    ) -> None:
        """Append the event when the timeline reaches `when`."""
        self.at(when, self._audit_later, actor, action, kind, subject, details)

    def _audit_later(
        self,
        when: int,
        actor: Staff | None,
        action: str,
        kind: str,
        subject: object,
        details: dict[str, object],
    ) -> None:
        self.audit(when, actor, action, kind, subject, **details)

    def tweet_id(self, ms: int) -> int:
        """A mention's id: increasing with time, worker bit 21 clear (brand posts set it)."""
        value = snowflake(ms, self.rng.getrandbits(21))
        if value <= self.last_tweet_id:  # same millisecond: the next sequence number
            value = self.last_tweet_id + 1
        self.last_tweet_id = value
        return value

    def staffed(self, when: int) -> int:
        """The first moment at or after `when` that the desk works (07:00-01:00 Tokyo)."""
        local = (when + JST) % DAY
        if HOUR <= local < 7 * HOUR:
            backlog = int(self.rng.expovariate(1 / (40 * MINUTE)))
            return when - local + 7 * HOUR + backlog
        return when

    def delay(self, median_minutes: float, sigma: float = 1.0) -> int:
        return int(self.rng.lognormvariate(math.log(median_minutes * MINUTE), sigma))

    def pools(self, when: int) -> tuple[list[Staff], list[Staff], list[Staff]]:
        """Agents, trainees and supervisors on the books at `when`."""
        day = (when - self.start) // DAY
        cached = self._pools.get(day)
        if cached is None:
            agents, trainees, supervisors = [], [], []
            for person in self.staff:
                if person.joined > when or (person.left is not None and person.left <= when):
                    continue
                if person.role in ("admin", "supervisor"):
                    supervisors.append(person)
                elif person.role == "trainee" or (person.certified or 0) > when:
                    trainees.append(person)
                else:
                    agents.append(person)
            cached = self._pools[day] = (agents, trainees, supervisors)
        return cached

    def agent(self, when: int) -> Staff:
        agents, _, supervisors = self.pools(when)
        return self.rng.choice(agents or supervisors)

    def supervisor(self, when: int) -> Staff:
        return self.rng.choice(self.pools(when)[2])

    def signed_reply(self, lang: str, category: str, number: str) -> str:
        bodies = REPLIES[lang].get(category) or REPLIES[lang]["other"]
        body = self.rng.choice(bodies)
        key = (body, number)
        text = self.signed.get(key)
        if text is None:
            text = self.signed[key] = with_signature(body, number)
        return text

    # -- the fixed part -------------------------------------------------------------------

    def seed_people(self, employees: int) -> None:
        """The brand account, the employees (with their audit events) and canned replies."""
        rng = self.rng
        self.sink.add(
            "brand_accounts",
            (1, BRAND_ID, BRAND_USERNAME, BRAND_NAME, None, None, stamp(self.start - 400 * DAY)),
        )
        self.new_id("brand_accounts")
        admins, supervisors = 2, max(1, round(employees * 0.08))
        trainees = max(1, round(employees * 0.1))
        agents = max(1, employees - admins - supervisors - trainees)
        roles = ["admin"] * admins + ["supervisor"] * supervisors + ["agent"] * agents
        roles += ["trainee"] * trainees
        numbers = iter(_employee_numbers(rng, len(roles)))
        period = self.until - self.start
        people = []
        for n, role in enumerate(roles):
            joined = self.start - rng.randrange(30, 700) * DAY
            person = Staff(0, next(numbers), role, joined)
            if n == 0:
                person.joined = self.start - 720 * DAY  # the first admin, made with the CLI
            elif role == "agent" and rng.random() < 0.25:  # hired during the period as trainee
                person.joined = self.start + rng.randrange(period - 120 * DAY)
                person.certified = person.joined + rng.randrange(60, 100) * DAY
            elif role == "agent" and rng.random() < 0.12:  # left the desk
                person.left = self.start + rng.randrange(period // 4, period)
            elif role == "trainee":
                person.joined = self.until - rng.randrange(10, 90) * DAY
            people.append(person)
        people.sort(key=lambda p: p.joined)
        first_admin = people[0]
        for person in people:
            person.id = self.new_id("employees")
            ja = rng.random() < 0.7
            if ja:
                name = f"{rng.choice(corpus.FAMILY)} {rng.choice(corpus.GIVEN)}"
            else:
                name = f"{rng.choice(corpus.EN_FIRST)} {rng.choice(corpus.EN_LAST)}"
            current = person.role
            self.sink.add(
                "employees",
                (
                    person.id,
                    person.number,
                    name,
                    current,
                    self.password_hash,
                    person.left is None,
                    1 + (person.certified is not None) + (person.left is not None),
                    "ja" if ja else "en",
                    "Asia/Tokyo",
                    stamp(person.joined),
                ),
            )
            creator = None if person is first_admin else first_admin
            role_then = "trainee" if person.certified else current
            self.later(
                person.joined,
                creator,
                "employee.created",
                "employee",
                person.number,
                role=role_then,
            )
            if person.certified:
                self.later(
                    person.certified,
                    first_admin,
                    "employee.role_changed",
                    "employee",
                    person.number,
                    before="trainee",
                    after="agent",
                )
            if person.left:
                self.later(
                    person.left, first_admin, "employee.suspended", "employee", person.number
                )
        self.staff = people
        author = next(p for p in people if p.role == "supervisor")
        when = self.start - 10 * DAY
        for language, title, body in DEMO_CANNED_REPLIES:
            canned_id = self.new_id("canned_replies")
            row = (canned_id, title, body, language, True, author.id, stamp(when))
            self.sink.add("canned_replies", row)
            self.later(
                when,
                author,
                "canned.created",
                "canned_reply",
                canned_id,
                title=title,
                language=language,
            )
            when += 7 * MINUTE

    def seed_customers(self, count: int) -> tuple[bytearray, array]:
        """The customers: Japanese and English personas, a few spammers and hostile names."""
        rng = self.rng
        langs = bytearray(count)
        followers = array("l", bytes(8 * count))
        ids = array("q", bytes(8 * count))
        seen: set[str] = set()
        period = self.until - self.start
        for k in range(count):
            persona = corpus.make_persona(rng)
            username, name = persona.username, persona.name
            if username.lower() in seen:  # X handles are unique
                username = (username[:9] + "_" + _base36(k))[:15]
            seen.add(username.lower())
            if rng.random() < 0.002:
                name = rng.choice(HOSTILE_NAMES)
            if k % 4 == 0:
                x_id = 100_000_000 + k * 7  # an account from X's early years
            else:
                created = EPOCH_MS + rng.randrange(400 * DAY, (self.start - EPOCH_MS))
                x_id = snowflake(created, k & 0x3FFFFF)
            ids[k] = x_id
            langs[k] = {"ja": 0, "en": 1, "spam": 2}[persona.lang]
            audience = int(rng.lognormvariate(math.log(150), 1.6))
            followers[k] = audience
            hydrated = rng.random() >= 0.002  # X could not describe a few (suspended, gone)
            self.sink.add(
                "x_users",
                (
                    x_id,
                    username if hydrated else None,
                    name if hydrated else None,
                    f"https://pbs.twimg.com/profile_images/{x_id % 10**18}/avatar_normal.jpg"
                    if hydrated
                    else None,
                    audience if hydrated else None,
                    stamp(self.start + rng.randrange(period)),
                ),
            )
        self.customer_ids = ids
        return langs, followers

    # -- the timeline ---------------------------------------------------------------------

    def hourly(self) -> Iterator[tuple[int, int, int, float]]:
        """(start, length, mentions, load factor) of each hour, totalling --mentions."""
        rng = self.rng
        end = self.start + self.last_run_k * self.interval
        hours = -(-(end - self.start) // HOUR)
        weights = []
        for h in range(hours):
            begin = self.start + h * HOUR
            local = begin + JST
            weekday = (local // DAY + 3) % 7  # 1970-01-01 was a Thursday
            w = DAILY[(local % DAY) // HOUR] * WEEKLY[weekday] * (0.8 + 0.4 * h / hours)
            w *= rng.lognormvariate(0, 0.12)
            if local // DAY % 365 in (358, 359, 360, 361, 362):  # the year-end rush
                w *= 1.6
            weights.append(w * min(1.0, (end - begin) / HOUR))
        base = sum(weights) / len(weights)
        load = [1.0] * hours
        for _ in range(max(1, round(3 * hours / (365 * 24)))):  # incidents: outage, recall
            first = rng.randrange(hours)
            peak, decay = rng.uniform(4, 10), rng.uniform(3, 12)
            for k in range(int(decay * 4)):
                if first + k < hours:
                    extra = base * peak * math.exp(-k / decay)
                    load[first + k] += extra / weights[first + k]
                    weights[first + k] += extra
        total = sum(weights)
        done, cumulative = 0, 0.0
        for h, w in enumerate(weights):
            cumulative += w
            upto = round(cumulative / total * self.total)
            begin = self.start + h * HOUR
            yield begin, min(HOUR, end - begin), upto - done, load[h]
            done = upto

    def run_for(self, created: int) -> Run:
        """The ingest pass that stores a mention created at `created` (the first that works)."""
        k = max(1, -(-(created - self.start) // self.interval))
        while True:
            self.open_runs(k)
            run = self.runs[k]
            if run.outcome == "ok":
                return run
            k += 1

    def open_runs(self, upto: int) -> None:
        """Decide passes up to number `upto`, in order, whether they find mentions or not."""
        rng = self.rng
        while self.next_run <= upto:
            k = self.next_run
            self.next_run += 1
            run = self.runs[k] = Run(k, self.start + k * self.interval + rng.randrange(3000))
            previous = self.runs.get(k - 1)
            if previous is not None and previous.retry_at and previous.retry_at > run.at:
                run.row, run.outcome, run.retry_at = False, "skipped", previous.retry_at
            elif k < self.last_run_k - 3:
                roll = rng.random()
                if roll < 0.001:
                    run.outcome = "rate_limited"
                    run.retry_at = run.at + rng.randrange(2, 15) * MINUTE
                elif roll < 0.002:
                    run.outcome = "failed"
            self.at(run.at + 4 * SECOND, self.write_run, run)

    def write_run(self, when: int, run: Run) -> None:
        self.runs.pop(run.k - 1, None)  # its successor is decided: nothing asks for it again
        if not run.row:
            return
        rng = self.rng
        pages = max(1, -(-run.fetched // 100))
        duration = 180 + pages * rng.randrange(120, 400)
        error = None
        if run.outcome == "rate_limited":
            error = "XRateLimited: 429 Too Many Requests"
            pages = 1
        elif run.outcome == "failed":
            error = "XUnavailable: X answered 503 Service Unavailable"
            pages = 1
        before = self.cursor
        if run.outcome == "ok":
            if run.newest and (self.cursor or 0) < run.newest:
                self.cursor = run.newest
            self.last_ingest = run.at + duration
        self.sink.add(
            "ingest_runs",
            (
                self.new_id("ingest_runs"),
                1,
                stamp(run.at),
                stamp(run.at + duration),
                run.outcome,
                pages,
                run.fetched,
                run.fetched,
                run.newest,
                run.oldest,
                before,
                self.cursor,
                False,
                False,
                0,
                opt(run.retry_at),
                error,
                duration,
            ),
        )

    def generate(self, employees: int) -> None:
        """Everything, in time order (the sink writes every FLUSH_ROWS rows)."""
        self.seed_people(employees)
        self.langs, self.followers = self.seed_customers(
            max(20, round(self.total * USERS_PER_MENTION))
        )
        self.sink.flush()
        customers = len(self.langs)
        introduced = 0
        made = 0
        rng = self.rng
        for begin, span, count, load in self.hourly():
            for offset in sorted(rng.randrange(span) for _ in range(count)):
                now = begin + offset
                self.open_runs((now - self.start) // self.interval)
                self.run_due(now)
                if self.followups and self.followups[0][0] <= now:
                    _, _, parent = heapq.heappop(self.followups)
                    self.mention(now, load, *parent)
                else:
                    if introduced < customers and (
                        rng.random() * (self.total - made) < customers - introduced
                    ):
                        author = introduced
                        introduced += 1
                    else:
                        author = int(introduced * rng.random() ** 1.6)  # regulars come back
                    self.mention(now, load, author)
                made += 1
        self.open_runs(self.last_run_k)
        self.run_due(self.until)
        if self.heap:  # every story was cut at --until: nothing may be left for later
            raise RuntimeError(f"seed: {len(self.heap)} events planned after --until")
        self.sink.flush()

    def mention(
        self,
        now: int,
        load: float,
        author: int,
        kind: str = "fresh",
        conversation: int | None = None,
        reply_to: int | Holder | None = None,
    ) -> None:
        """One customer mention and everything that will happen to it."""
        rng = self.rng
        if isinstance(reply_to, Holder):  # a follow-up to one of our replies
            reply_to = reply_to.x_tweet_id
        category, lang, template, body, quote = self.compose(kind, LANGS[self.langs[author]])
        if kind == "fresh" and not quote and rng.random() < 0.04:
            # Joining someone else's thread, often under one of the brand's own posts.
            reply_to = snowflake(
                now - rng.randrange(10 * MINUTE, 2 * DAY), BRAND_BIT | rng.getrandbits(21)
            )
            conversation = reply_to
        text, key = self.dress(body, template, lang)
        priority = self.priority(text, key, author)
        tweet_id = self.tweet_id(now)
        run = self.run_for(now)
        run.fetched += 1
        run.newest = tweet_id
        run.oldest = run.oldest or tweet_id
        m = Mention(
            id=self.new_id("mentions"),
            tweet_id=tweet_id,
            created=now,
            ingested=run.at + rng.randrange(200, 3000),
            author=author,
            author_x_id=self.customer_ids[author],
            lang=lang,
            category=category,
            priority=priority,
            conversation_id=conversation or tweet_id,
        )
        self.plan(m, load)
        if kind == "fresh" and rng.random() < 0.03:  # the customer adds to their own post
            later = (author, "thread", m.conversation_id, tweet_id)
            heapq.heappush(self.followups, (now + self.delay(4, 0.8), next(self.seq), later))
        self.sink.add(
            "mentions",
            (
                m.id,
                tweet_id,
                1,
                m.author_x_id,
                m.conversation_id,
                reply_to,
                quote,
                text,
                lang,
                stamp(now),
                stamp(m.ingested),
                m.status,
                priority,
                m.claimed_by,
                opt(m.claim_expires),
                m.closed_by,
                m.close_reason,
                opt(m.closed_at),
                opt(m.escalated_at),
            ),
        )

    def compose(self, kind: str, lang: str) -> tuple[str, str, str, str, bool]:
        """Category, language, template and body of a mention from the sandbox's corpus."""
        rng = self.rng
        spammer = lang == "spam"
        if spammer:
            lang = rng.choice(("ja", "en"))
        if kind != "fresh":
            templates = corpus.THREAD_FOLLOWUPS_JA if lang == "ja" else corpus.THREAD_FOLLOWUPS_EN
            template = rng.choice(templates)
            return "followup", lang, template, corpus._fill(rng, template, lang), False
        category = "spam" if spammer else rng.choices(_CATEGORIES, _WEIGHTS)[0]
        if category != "spam" and rng.random() < 0.02:  # "same here", quoting another customer
            quote = rng.choice(corpus.QUOTES_JA if lang == "ja" else corpus.QUOTES_EN)
            return "followup", lang, quote, quote, True
        templates = corpus.JA_TEMPLATES if lang == "ja" else corpus.EN_TEMPLATES
        template = rng.choice(templates[category])
        return category, lang, template, corpus._fill(rng, template, lang), False

    def dress(self, body: str, template: str, lang: str) -> tuple[str, str | None]:
        """The full text: handle, extra sentences, now and then hostile or very long; and the
        key its priority can be cached under (None: check this text itself)."""
        rng = self.rng
        extras = ""
        roll = rng.random()
        if roll < 0.6:
            extras = " " + " ".join(
                rng.sample(EXTRAS[lang], 1 if roll < 0.35 else 2 if roll < 0.5 else 3)
            )
        if rng.random() < 0.06:
            text = f"{body}{extras} @{BRAND_USERNAME}"
        else:
            text = f"@{BRAND_USERNAME} {body}{extras}"
        roll = rng.random()
        if roll < 0.005:
            return f"{text} {rng.choice(HOSTILE)}", None
        if roll < 0.0055:  # a long post (X Premium allows 25,000 characters)
            return (text + "\n\n") * rng.randrange(10, 60), None
        return text, template + extras

    def priority(self, text: str, key: str | None, author: int) -> str:
        """The app's own rule; a template's slots never hold its words, so cache per template."""
        followers = self.followers[author]
        if followers >= HIGH_REACH_FOLLOWERS:
            return "high"
        if key is None:
            return priority_for(text, followers).value
        value = self.priority_cache.get(key)
        if value is None:
            value = self.priority_cache[key] = priority_for(text, followers).value
        return value

    # -- what happens to a mention --------------------------------------------------------

    def plan(self, m: Mention, load: float) -> None:
        """Decide the mention's story, cut it at --until, and queue its rows and events."""
        rng = self.rng
        m.open_since = m.ingested
        fate = self.fate(m.category)
        act = self.first_action(m, load)
        manual = None
        if fate == "answer":
            if rng.random() < 0.02:
                self.look_and_release(m, act)
            if rng.random() < (0.12 if m.category in ("angry", "complaint") else 0.004):
                manual = self.escalate_by_hand(m, act)
            who = None
            if manual is not None:
                who = manual.assignee
                act = max(act, (manual.assigned_at or self.until) + rng.randrange(1, 20) * MINUTE)
            answered = self.answer(m, act, who)
            if manual is not None and answered is not None:
                self.resolve(m, manual, self.staffed(answered + self.delay(30)))
        elif fate == "dismiss":
            self.dismiss(m, act)
        elif fate == "elsewhere":
            self.elsewhere(m, act)
        if m.status == "open":
            m.open_spans.append((m.open_since, self.until + 1))
        if manual is None:
            self.sla(m)

    def fate(self, category: str) -> str:
        """answer, dismiss, or elsewhere (the brand answered outside the app)."""
        roll = self.rng.random()
        dismiss, elsewhere = FATES.get(category, (0.05, 0.12))
        return "dismiss" if roll < dismiss else "elsewhere" if roll < elsewhere else "answer"

    def first_action(self, m: Mention, load: float) -> int:
        """When someone first acts on it: minutes in the day, longer in a spike or at night."""
        wait = self.delay(5 if m.priority == "high" else 15, 0.8) * max(1.0, load * 0.7)
        if self.rng.random() < 0.02:  # lost in the queue for a while
            wait *= self.rng.uniform(5, 60)
        return self.staffed(m.ingested + 20 * SECOND + int(wait))

    def close_span(self, m: Mention, when: int) -> None:
        m.open_spans.append((m.open_since, when))

    def claim(self, m: Mention, who: Staff, when: int) -> int | None:
        """Claim at `when` (after any other live claim); None when that is after --until."""
        when = max(when, m.ingested + SECOND)
        if m.claimed_by not in (None, who.id) and (m.claim_expires or 0) > when:
            when = m.claim_expires or when
        if when > self.until:
            return None
        self.later(when, who, "mention.claimed", "mention", m.id)
        m.claimed_by, m.claim_expires = who.id, when + CLAIM_TTL
        return when

    def clear_claim(self, m: Mention) -> None:
        m.claimed_by = m.claim_expires = None

    def look_and_release(self, m: Mention, act: int) -> None:
        """Someone claims it, reads it, and lets it go for a colleague."""
        rng = self.rng
        first = max(m.ingested + SECOND, act - rng.randrange(5, 15) * MINUTE)
        if first > act - 3 * MINUTE or first > self.until:
            return
        who = self.agent(first)
        self.claim(m, who, first)
        let_go = first + rng.randrange(10, 120) * SECOND
        if let_go <= self.until:
            self.later(let_go, who, "mention.released", "mention", m.id)
            self.clear_claim(m)

    def responder(self, when: int, tries: int) -> tuple[Staff, bool]:
        """Who writes the reply: an agent, or (while there are some) a trainee now and then;
        after a refused reply, an agent."""
        agents, trainees, supervisors = self.pools(when)
        if not tries and trainees and self.rng.random() < 0.08 * min(1.0, len(trainees) / 6):
            return self.rng.choice(trainees), True
        return self.rng.choice(agents or supervisors), False

    def answer(self, m: Mention, act: int, who: Staff | None = None, tries: int = 0) -> int | None:
        """Claim, write, maybe wait for approval, post; returns when the mention was answered."""
        rng = self.rng
        trainee = False
        if who is None:
            who, trainee = self.responder(act, tries)
        if m.claimed_by != who.id or (m.claim_expires or 0) < act:
            claimed = self.claim(m, who, act - rng.randrange(20, 240) * SECOND)
            if claimed is None:
                return None
            act = max(act, claimed + 20 * SECOND)
        if act > self.until:
            return None
        warned = self.guideline_hits(m, who, act)
        reply = Holder()
        state: dict[str, Any] = {
            "status": "pending_approval" if trainee else "queued",
            "attempts": 0,
            "last_error": None,
            "not_before": None,
            "approved_by": None,
            "updated": act,
            "posted": None,
            "outcome_unknown": False,
        }
        text = self.signed_reply(m.lang, m.category, who.number)
        self.at(act, self.write_reply, reply, m.id, who.id, text, act, state)
        self.later(
            act,
            who,
            "reply.created",
            "reply",
            reply,
            mention_id=m.id,
            status=state["status"],
            warnings_confirmed=warned,
        )
        queued = act
        if trainee:  # the mention stays open, and the trainee's claim stays, until a decision
            queued = self.staffed(act + self.delay(15))
            if queued > self.until:
                return None
            boss = self.supervisor(queued)
            state["updated"] = queued
            if rng.random() < 0.15:
                reason = rng.choice(REJECT_REASONS)
                state.update(status="rejected", last_error=reason)
                self.later(queued, boss, "reply.rejected", "reply", reply, reason=reason)
                return self.answer(m, self.staffed(queued + self.delay(10)), None, tries + 1)
            state.update(status="queued", approved_by=boss.id)
            self.later(queued, boss, "reply.approved", "reply", reply)
        m.status = "answered"
        self.clear_claim(m)
        self.close_span(m, queued)
        self.post(m, reply, state, queued, tries)
        return queued

    def guideline_hits(self, m: Mention, who: Staff, act: int) -> bool:
        """Refused submits before this one (blocked, or warned); True when warnings were
        confirmed on the accepted submit."""
        rng = self.rng
        if rng.random() < 0.015:
            rule, severity = rng.choice(BLOCK_RULES)
            self.at(act - 40 * SECOND, self.hit, rule, severity, "blocked", who.id, m.id)
        if rng.random() >= 0.05:
            return False
        rule, severity = rng.choice(WARN_RULES)
        self.at(act - 20 * SECOND, self.hit, rule, severity, "warned", who.id, m.id)
        self.at(act, self.hit, rule, severity, "confirmed", who.id, m.id)
        return True

    def post(
        self, m: Mention, reply: Holder, state: dict[str, Any], queued: int, tries: int
    ) -> None:
        """The outbox: posted in seconds, sometimes held for X's window, refused or unsure."""
        rng = self.rng
        post = queued + rng.randrange(500, 4000)
        roll = rng.random()
        if roll < 0.02:  # X's posting window was spent: held, then posted after the reset
            post += rng.randrange(1, 15) * MINUTE
            state["not_before"] = post - 500
        if post > self.until:
            return
        if roll > 0.99 and tries < 2:  # X refused: the mention is open again to be answered
            error = rng.choice(POST_ERRORS)
            attempts = 5 if error.startswith("gave up") else 1
            state.update(status="failed", attempts=attempts, last_error=error, updated=post)
            self.later(post, None, "reply.failed", "reply", reply, error=error[:500])
            m.status, m.open_since = "open", post
            self.answer(m, self.staffed(post + self.delay(20)), None, tries + 1)
            return
        how = "posted"
        if roll > 0.988:  # no answer from X in time: reconciled from the brand's timeline
            how, post = "reconciled", post + 90 * SECOND
            if post > self.until:
                state.update(
                    status="posting",
                    attempts=1,
                    outcome_unknown=True,
                    last_error="outcome unknown: X did not answer in time",
                )
                return
        state.update(status="posted", attempts=1, posted=post, updated=post)
        self.later(post, None, "reply.posted", "reply", reply, x_tweet_id=reply, how=how)
        if rng.random() < (0.02 if m.category == "thanks" else 0.10):
            later = (m.author, "followup", m.conversation_id, reply)
            heapq.heappush(self.followups, (post + self.delay(40), next(self.seq), later))

    def write_reply(
        self,
        when: int,
        reply: Holder,
        mention_id: int,
        author_id: int,
        text: str,
        created: int,
        state: dict[str, Any],
    ) -> None:
        reply.id = self.new_id("replies")
        posted = state["posted"]
        if posted is not None:
            reply.x_tweet_id = snowflake(posted, BRAND_BIT | (reply.id & 0x1FFFFF))
        self.sink.add(
            "replies",
            (
                reply.id,
                mention_id,
                author_id,
                text,
                state["status"],
                state["attempts"],
                state["last_error"],
                state["outcome_unknown"],
                opt(state["not_before"]),
                reply.x_tweet_id,
                state["approved_by"],
                stamp(created),
                stamp(state["updated"]),
                opt(posted),
            ),
        )

    def hit(
        self, when: int, rule: str, severity: str, outcome: str, employee: int, mention: int
    ) -> None:
        row = (
            self.new_id("guideline_hits"),
            rule,
            severity,
            outcome,
            employee,
            mention,
            stamp(when),
        )
        self.sink.add("guideline_hits", row)

    def dismiss(self, m: Mention, act: int) -> None:
        rng = self.rng
        who = self.agent(act)
        if rng.random() < 0.6 and self.claim(m, who, act - rng.randrange(5, 60) * SECOND) is None:
            return
        if act > self.until:
            return
        reason = rng.choice(DISMISS_REASONS.get(m.category) or DISMISS_REASONS["other"])
        self.later(act, who, "mention.dismissed", "mention", m.id, reason=reason)
        m.status, m.closed_by, m.close_reason, m.closed_at = "dismissed", who.id, reason, act
        self.clear_claim(m)
        self.close_span(m, act)

    def elsewhere(self, m: Mention, act: int) -> None:
        rng = self.rng
        if rng.random() < 0.15:
            self.claim(m, self.agent(act), act - rng.randrange(60, 600) * SECOND)
        seen = act + rng.randrange(5, 40) * SECOND  # the outbox sweep reads the brand timeline
        if seen > self.until:
            return
        self.later(seen, None, "mention.answered_elsewhere", "mention", m.id)
        m.status, m.closed_at = "answered_elsewhere", seen
        self.clear_claim(m)
        self.close_span(m, seen)

    def open_escalation(
        self, m: Mention, when: int, kind: str, reason: str, raiser: Staff | None
    ) -> Escalated:
        escalation = Escalated(
            Holder(),
            {
                "status": "open",
                "assigned": None,
                "resolved_by": None,
                "resolution": None,
                "resolved_at": None,
            },
        )
        self.at(
            when,
            self.write_escalation,
            escalation,
            m.id,
            kind,
            reason,
            raiser.id if raiser else None,
            when,
        )
        details: dict[str, object] = {"mention_id": m.id, "kind": kind}
        if kind == "manual":
            details["reason"] = reason
        self.later(when, raiser, "escalation.opened", "escalation", escalation.holder, **details)
        m.escalated_at = when
        return escalation

    def assign(self, escalation: Escalated, when: int, boss: Staff, assignee: Staff) -> None:
        escalation.state["assigned"] = assignee.id
        escalation.assignee, escalation.assigned_at = assignee, when
        self.later(
            when, boss, "escalation.assigned", "escalation", escalation.holder, to=assignee.number
        )

    def escalate_by_hand(self, m: Mention, act: int) -> Escalated | None:
        """An agent raises it before its SLA runs out; a supervisor assigns it."""
        rng = self.rng
        raised = max(m.ingested + MINUTE, act - rng.randrange(1, 10) * MINUTE)
        if raised > min(self.until, m.created + SLA[m.priority] - MINUTE):
            return None
        who = self.agent(raised)
        claimed = self.claim(m, who, raised - rng.randrange(30, 180) * SECOND)
        if claimed is None or claimed > raised:
            return None
        escalation = self.open_escalation(m, raised, "manual", rng.choice(ESCALATION_REASONS), who)
        escalation.boss = self.supervisor(raised)
        assigned = self.staffed(raised + self.delay(8))
        if assigned <= self.until:
            assignee = rng.choice((escalation.boss, self.agent(assigned)))
            self.assign(escalation, assigned, escalation.boss, assignee)
        return escalation

    def resolve(self, m: Mention, escalation: Escalated, when: int) -> None:
        if when > self.until:
            return
        note = self.rng.choice(RESOLUTIONS)
        boss = escalation.boss or self.supervisor(when)
        escalation.state.update(
            status="resolved", resolved_by=boss.id, resolution=note, resolved_at=when
        )
        self.later(when, boss, "escalation.resolved", "escalation", escalation.holder, note=note)
        m.escalated_at = None

    def write_escalation(
        self,
        when: int,
        escalation: Escalated,
        mention_id: int,
        kind: str,
        reason: str,
        raised_by: int | None,
        created: int,
    ) -> None:
        escalation.holder.id = self.new_id("escalations")
        state = escalation.state
        self.sink.add(
            "escalations",
            (
                escalation.holder.id,
                mention_id,
                kind,
                reason,
                state["status"],
                raised_by,
                state["assigned"],
                state["resolved_by"],
                state["resolution"],
                stamp(created),
                opt(state["resolved_at"]),
            ),
        )

    def sla(self, m: Mention) -> None:
        """The sweep (every minute) escalates once: the first minute past due while open."""
        due = m.created + SLA[m.priority]
        for begin, end in m.open_spans:
            sweep = max(begin, due) + self.rng.randrange(1, 60) * SECOND
            if sweep < end and sweep <= self.until:
                break
        else:
            return
        escalation = self.open_escalation(m, sweep, "sla_breach", SLA_BREACH_REASON, None)
        if end > self.until:
            return  # still waiting: it stays in the supervisors' queue
        answered = end
        escalation.boss = self.supervisor(sweep)
        resolved = self.staffed(answered + self.delay(25))
        if self.rng.random() < 0.3:
            assigned = self.staffed(sweep + self.delay(10))
            if assigned < resolved and assigned <= self.until:
                self.assign(escalation, assigned, escalation.boss, self.agent(assigned))
        self.resolve(m, escalation, resolved)


@dataclass(slots=True)
class Escalated:
    """An escalation being planned: its id holder, its final state, who handles it."""

    holder: Holder
    state: dict[str, Any]
    boss: Staff | None = None
    assignee: Staff | None = None
    assigned_at: int | None = None


LANGS = ("ja", "en", "spam")
BRAND_BIT = 1 << 21  # the low bits of the brand's own posts, so they never meet a customer's
# (dismiss below, elsewhere below) per category; the rest is answered.
FATES = {"spam": (0.92, 1.0), "thanks": (0.5, 0.55), "followup": (0.35, 0.40)}
_CATEGORIES = tuple(corpus.CATEGORY_WEIGHTS)
_WEIGHTS = tuple(corpus.CATEGORY_WEIGHTS.values())


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        n, r = divmod(n, 36)
        text = digits[r] + text
        if not n:
            return text


def _employee_numbers(rng: random.Random, count: int) -> list[str]:
    """Unique 4- to 6-digit numbers: the old guard's short ones, the newer ones longer."""
    numbers: list[str] = []
    taken: set[str] = set()
    while len(numbers) < count:
        width = rng.choice((4, 4, 5, 6))
        number = str(rng.randrange(10 ** (width - 1) // 10, 10**width)).zfill(width)
        if number not in taken:
            taken.add(number)
            numbers.append(number)
    return numbers


def password_hash(seed: int) -> str:
    """One argon2id hash of SEED_PASSWORD with the app's parameters and a salt from the seed."""
    from argon2 import PasswordHasher
    from argon2.low_level import hash_secret

    params = PasswordHasher()
    salt = hashlib.sha256(f"helpdesk-seed-{seed}".encode()).digest()[:16]
    return hash_secret(
        SEED_PASSWORD.encode(),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        hash_len=params.hash_len,
        type=params.type,
    ).decode()
