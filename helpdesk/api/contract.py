"""The API's contract as data: JSON schemas and, per route, parameters, bodies and answers.

helpdesk/api/openapi.py assembles the OpenAPI document from this table and Flask's routes
(path parameters, security and summaries come from the routes themselves); tests/api/
test_openapi.py fails when a route under /api/v1 has no entry here, or a serializer emits
a field its schema lacks.
"""

from __future__ import annotations

from typing import Any

from helpdesk.web.routing import MAX_ID

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    """A reference to a schema of components/schemas."""
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    """The schema or null (OpenAPI 3.1: a JSON Schema type list or anyOf)."""
    if "type" in schema and isinstance(schema["type"], str):
        return {**schema, "type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def closed(properties: dict[str, Schema], required: list[str] | None = None) -> Schema:
    """An object with exactly these properties, all required unless `required` says which."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def items_of(schema: Schema) -> Schema:
    """`{"items": [...]}`, the API's list envelope."""
    return closed({"items": {"type": "array", "items": schema}})


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
X_ID = {"type": "string", "pattern": "^[0-9]+$"}
NUMBER_OF_EMPLOYEE = {"type": "string"}

MENTION_STATUS = ["open", "answered", "answered_elsewhere", "dismissed"]
REPLY_STATUS = ["pending_approval", "queued", "posting", "posted", "failed", "rejected"]
ROLES = ["trainee", "agent", "supervisor", "admin"]
PRIORITIES = ["normal", "high"]
# The kinds of call X prices (helpdesk/x/transport.py, services/costs.py's PRICED_KINDS).
COST_KINDS = [
    "owned_read",
    "post_read",
    "user_read",
    "dm_read",
    "post",
    "post_with_link",
    "reply",
    "dm",
]

_MENTION: dict[str, Schema] = {
    "id": ID,
    "tweet_id": X_ID,
    "conversation_id": nullable(X_ID),
    "author": closed(
        {"id": X_ID, "username": nullable(STRING), "name": nullable(STRING)},
    ),
    "text": STRING,
    "created_at": TIME,
    "status": {"enum": MENTION_STATUS},
    "priority": {"enum": PRIORITIES},
    "claimed_by": nullable(NUMBER_OF_EMPLOYEE),
    "claim_expires_at": nullable(TIME),
    "escalated": BOOLEAN,
    "dismissed_reason": nullable(STRING),
    # post: a public mention; dm: a customer's direct message (tweet_id is its DM event id).
    "kind": {"enum": ["post", "dm"]},
    "dm_conversation_id": nullable(STRING),
    # A public mention moved to DM: when; a DM continuing such a mention: that mention's id.
    "moved_to_dm_at": nullable(TIME),
    "dm_of_mention_id": nullable(ID),
    # The desk's tags set on it (dispositions), sorted by name.
    "tags": {"type": "array", "items": STRING},
}

_REPLY: dict[str, Schema] = {
    "id": ID,
    "mention_id": ID,
    "text": STRING,
    "status": {"enum": REPLY_STATUS},
    "author": NUMBER_OF_EMPLOYEE,
    "x_tweet_id": nullable(X_ID),
    "created_at": TIME,
    "posted_at": nullable(TIME),
    "attempts": {"type": "integer", "minimum": 0},
    "error": nullable(STRING),
    "held_until": nullable(TIME),
    "held_reason": {"enum": ["x_rate_limit", "posting_budget", None]},
    # post: a public reply (signed); dm: a DM in the customer's conversation (unsigned).
    "channel": {"enum": ["post", "dm"]},
    "x_dm_event_id": nullable(X_ID),
}

_VIOLATION = closed(
    {
        "rule": STRING,
        "severity": {"enum": ["block", "warn"]},
        # English, or Accept-Language's; params hold the values it names (term, host, ...).
        "message": STRING,
        "params": {"type": "object"},
    }
)

_SEEN = closed(
    {
        "state": {"enum": ["ok", "rate_limited", "failing", "unknown"]},
        "call": nullable(STRING),
        "at": nullable(STRING),
        "since": nullable(STRING),
        "until": nullable(STRING),
        "reason": nullable(STRING),
    }
)

_PERIOD_FIGURES: dict[str, Schema] = {
    "from": TIME,
    "to": TIME,
    "timezone": STRING,
    "generated_at": TIME,
    "total": {"type": "integer", "minimum": 0},
}

_COUNTED = {"type": "integer", "minimum": 0}
_SHARE = nullable({"type": "number", "minimum": 0, "maximum": 1})
_SECONDS = nullable({"type": "number", "minimum": 0})
_RATE = nullable({"type": "number"})
_BY_TAG = closed(
    {
        "tag": STRING,
        "total": INTEGER,
        "answered": INTEGER,
        "answered_elsewhere": INTEGER,
        "dismissed": INTEGER,
        "open": INTEGER,
        "responded": INTEGER,
        "within_sla": INTEGER,
        "response_rate": _RATE,
        "within_sla_rate": _RATE,
    }
)

SCHEMAS: dict[str, Schema] = {
    "Error": {
        "type": "object",
        "description": "Every refusal: a stable code, a sentence, and sometimes more fields.",
        "properties": {
            "error": {
                "type": "object",
                "properties": {"code": STRING, "message": STRING},
                "required": ["code", "message"],
                "additionalProperties": True,
            }
        },
        "required": ["error"],
        "additionalProperties": False,
    },
    "Violation": _VIOLATION,
    "Mention": closed(_MENTION),
    "MentionWithReplies": closed({**_MENTION, "replies": {"type": "array", "items": ref("Reply")}}),
    "MentionPage": closed(
        {"items": {"type": "array", "items": ref("Mention")}, "next_cursor": nullable(STRING)}
    ),
    "Reply": closed(_REPLY),
    "Escalation": closed(
        {
            "id": ID,
            "mention_id": ID,
            "kind": {"enum": ["sla_breach", "rule", "manual"]},
            "reason": nullable(STRING),
            "status": {"enum": ["open", "resolved"]},
            "raised_by": nullable(NUMBER_OF_EMPLOYEE),
            "assigned_to": nullable(NUMBER_OF_EMPLOYEE),
            "resolved_by": nullable(NUMBER_OF_EMPLOYEE),
            "resolution": nullable(STRING),
            "created_at": TIME,
            "resolved_at": nullable(TIME),
            "due_at": TIME,
            "overdue_seconds": {"type": "integer", "minimum": 0},
            "mention": ref("Mention"),
        }
    ),
    "CannedReply": closed(
        {"id": ID, "title": STRING, "body": STRING, "language": {"enum": ["ja", "en"]}}
    ),
    "Token": closed(
        {
            "id": ID,
            "name": nullable(STRING),
            "prefix": STRING,
            "owner": NUMBER_OF_EMPLOYEE,
            "created_at": TIME,
            "last_used_at": nullable(TIME),
            "revoked_at": nullable(TIME),
            "revoked_by": nullable(NUMBER_OF_EMPLOYEE),
            "current": BOOLEAN,
        }
    ),
    "Employee": closed(
        {
            "number": NUMBER_OF_EMPLOYEE,
            "name": STRING,
            "role": {"enum": ROLES},
            "active": BOOLEAN,
            "language": nullable(STRING),
            "created_at": TIME,
        }
    ),
    "GuidelineRule": closed(
        {
            "id": ID,
            "kind": {"enum": ["banned_term", "link_domain", "check"]},
            "value": STRING,
            "severity": {"enum": ["block", "warn", None]},
            "enabled": BOOLEAN,
        }
    ),
    "PriorityRule": closed(
        {
            "id": ID,
            "kind": {"enum": ["urgent_keyword", "negative_tone", "follower_threshold"]},
            "language": {"enum": ["ja", "en", "any"]},
            "value": STRING,
            "enabled": BOOLEAN,
        }
    ),
    "SlaTarget": closed(
        {"priority": {"enum": PRIORITIES}, "seconds": INTEGER, "from_settings": BOOLEAN}
    ),
    "Preview": closed(
        {
            "text": STRING,
            "weighted_length": INTEGER,
            "max_weighted_length": INTEGER,
            "valid": BOOLEAN,
            "violations": {"type": "array", "items": ref("Violation")},
            "cost": closed(
                {
                    "kind": {"enum": ["reply", "post_with_link"]},
                    "usd": nullable({"type": "number", "minimum": 0}),
                    "plain_usd": nullable({"type": "number", "minimum": 0}),
                    "times": nullable({"type": "integer", "minimum": 0}),
                    "message": nullable(STRING),
                }
            ),
            # dm: the DM's limits (10,000 characters, counted plainly; no signature).
            "channel": {"enum": ["post", "dm"]},
        },
        required=["text", "weighted_length", "max_weighted_length", "valid", "violations"],
    ),
    "RuleTrial": closed(
        {
            "text": STRING,
            "violations": {"type": "array", "items": ref("Violation")},
            "priority": {"enum": PRIORITIES},
            "urgent_terms": {"type": "array", "items": STRING},
            "tone_score": {"type": "number"},
        }
    ),
    "Health": closed(
        {
            "db": {"enum": ["ok", "unavailable"]},
            "redis": {"enum": ["ok", "unavailable"]},
            "x_api": {"enum": ["ok", "rate_limited", "failing", "unknown", "not_configured"]},
            "x_api_last_seen": _SEEN,
            "last_ingest_at": nullable(TIME),
            "ingest_lag_seconds": nullable(INTEGER),
            "posting_budget": closed(
                {
                    "remaining": nullable(INTEGER),
                    "limit": nullable(INTEGER),
                    "reset_at": nullable(TIME),
                }
            ),
            "unrepaired_gaps": INTEGER,
        },
        required=["db", "redis", "x_api", "last_ingest_at", "ingest_lag_seconds"],
    ),
    # The report's figures are reworked by the roll-ups; their inner rows stay open-ended.
    "Coverage": {
        **closed(
            {
                **_PERIOD_FIGURES,
                "sla_seconds": closed({"normal": INTEGER, "high": INTEGER}),
                "answered": INTEGER,
                "answered_elsewhere": INTEGER,
                "dismissed": INTEGER,
                "open": INTEGER,
                "response_rate": nullable({"type": "number"}),
                "responded": INTEGER,
                "within_sla": INTEGER,
                "within_sla_rate": nullable({"type": "number"}),
                "median_first_response_seconds": nullable({"type": "number"}),
                "p90_first_response_seconds": nullable({"type": "number"}),
                "oldest_open": nullable({"type": "object"}),
                "per_employee": {"type": "array", "items": {"type": "object"}},
                "per_hour": {"type": "array", "items": {"type": "object"}},
                "guideline_hits": {"type": "array", "items": {"type": "object"}},
                "by_channel": {
                    "type": "array",
                    "description": "The same figures per channel: public posts, then DMs.",
                    "items": closed(
                        {
                            "channel": {"enum": ["post", "dm"]},
                            "total": _COUNTED,
                            "answered": _COUNTED,
                            "answered_elsewhere": _COUNTED,
                            "dismissed": _COUNTED,
                            "open": _COUNTED,
                            "response_rate": _SHARE,
                            "responded": _COUNTED,
                            "sla_met": _COUNTED,
                            "sla_missed": _COUNTED,
                            "within_sla_rate": _SHARE,
                            "median_first_response_seconds": _SECONDS,
                            "p90_first_response_seconds": _SECONDS,
                        }
                    ),
                },
                "moved_to_dm": {
                    **closed(
                        {
                            "moved": _COUNTED,
                            "dm_received": _COUNTED,
                            "dm_answered": _COUNTED,
                            "dm_received_rate": _SHARE,
                            "dm_answered_rate": _SHARE,
                        }
                    ),
                    "description": "The period's public mentions moved to DM; of them, those"
                    " whose customer then wrote a DM (`dm_received`); of those, the ones whose"
                    " DM was answered (`dm_answered`). Rates: of moved, of received.",
                },
                # Per tag (a mention with two tags counts under each), most mentions first.
                "by_tag": {"type": "array", "items": _BY_TAG},
            },
            required=[
                *_PERIOD_FIGURES,
                "answered",
                "dismissed",
                "open",
                "response_rate",
                "by_channel",
                "moved_to_dm",
            ],
        ),
    },
    "Listening": closed(
        {
            **_PERIOD_FIGURES,
            "sample": {
                **INTEGER,
                "description": "Mentions whose texts were counted for terms, hashtags and tone:"
                " all of the period's (the total) once listening's roll-ups are built, else the"
                " newest 10,000.",
            },
            "bucket": {"enum": ["hour", "day"]},
            "volume": {"type": "array", "items": {"type": "object"}},
            "spikes": {"type": "array", "items": {"type": "object"}},
            "spike_rule": {"type": "object"},
            "top_terms": {"type": "array", "items": {"type": "object"}},
            "top_hashtags": {"type": "array", "items": {"type": "object"}},
            "by_priority": {"type": "array", "items": {"type": "object"}},
            "by_tone": {"type": "array", "items": {"type": "object"}},
            # Mentions per tag in the window; share of the per-tag counts.
            "by_tag": {
                "type": "array",
                "items": closed({"tag": STRING, "mentions": INTEGER, "share": {"type": "number"}}),
            },
        },
        required=[*_PERIOD_FIGURES, "volume", "top_terms"],
    ),
}
_MONEY = nullable({"type": "number", "minimum": 0})
_COUNT = {"type": "integer", "minimum": 0}
SCHEMAS["Costs"] = closed(
    {
        "from": TIME,
        "to": TIME,
        "generated_at": TIME,
        "currency": {"const": "USD"},
        "total_usd": _MONEY,
        "calls": _COUNT,
        "days": {
            "type": "array",
            "items": closed(
                {"day": {"type": "string", "format": "date"}, "calls": _COUNT, "usd": _MONEY}
            ),
        },
        "by_kind": {
            "type": "array",
            "items": closed(
                {
                    "kind": {"enum": [*COST_KINDS, "other"]},
                    "calls": _COUNT,
                    "units": _COUNT,
                    "unit_usd": _MONEY,
                    "usd": _MONEY,
                }
            ),
        },
        "today_usd": _MONEY,
        "month_to_date_usd": _MONEY,
        "projected_month_usd": _MONEY,
        "answered": _COUNT,
        "per_answered_mention_usd": _MONEY,
        "post_reads": closed(
            {
                "month_to_date": _COUNT,
                "cap": nullable(_COUNT),
                "share": nullable({"type": "number", "minimum": 0}),
            }
        ),
    }
)
SCHEMAS["Price"] = closed(
    {
        "kind": {"enum": COST_KINDS},
        "usd": {"type": "number", "minimum": 0},
        "source": STRING,
        "updated_at": TIME,
    }
)
SCHEMAS["Skills"] = closed(
    {
        "number": NUMBER_OF_EMPLOYEE,
        "languages": {"type": "array", "items": {"enum": ["ja", "en"]}},
        "tags": {"type": "array", "items": STRING},
        "capacity": INTEGER,
    }
)
SCHEMAS["Tag"] = closed({"id": ID, "name": STRING})
SCHEMAS["TagSuggestion"] = closed(
    {
        "name": STRING,
        # text: the mention names the tag (or its lemma); colleagues: they set it on mentions
        # sharing the text's terms (count: how often, summed over the terms).
        "sources": {"type": "array", "items": {"enum": ["text", "colleagues"]}},
        "count": {"type": "integer", "minimum": 0},
    }
)
SCHEMAS["Note"] = closed(
    {
        "id": ID,
        "mention_id": ID,
        "about": {"enum": ["mention", "customer"]},
        "author": NUMBER_OF_EMPLOYEE,
        "text": STRING,
        "created_at": TIME,
    }
)
SCHEMAS["Routing"] = closed(
    {
        "mode": {"enum": ["pull", "next", "auto"]},
        "modes": {"type": "array", "items": STRING},
    }
)
SCHEMAS["EmployeeChange"] = closed({**SCHEMAS["Employee"]["properties"], "changed": BOOLEAN})


# --- operations -------------------------------------------------------------------------


def body(properties: dict[str, Schema], required: list[str] | None = None) -> Schema:
    """A JSON request body with these fields (others are ignored by the server)."""
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": properties,
                    "required": list(properties) if required is None else required,
                }
            }
        },
    }


def query(name: str, schema: Schema, description: str = "") -> Schema:
    """An optional query parameter; sent empty (`?status=`) it means the default, as if absent."""
    either = {"anyOf": [schema, {"const": ""}]}
    parameter: Schema = {"name": name, "in": "query", "required": False, "schema": either}
    if description:
        parameter["description"] = description
    return parameter


def answer(status: int, schema: Schema | str | None, description: str = "") -> dict[int, Any]:
    """One documented response: a schema (or a schema's name) as JSON, or no body."""
    response: Schema = {"description": description or f"{status}"}
    if schema is not None:
        resolved = ref(schema) if isinstance(schema, str) else schema
        response["content"] = {"application/json": {"schema": resolved}}
    return {status: response}


PERIOD = [
    query(
        "from", STRING, "ISO 8601 date (midnight in the desk's zone) or datetime; years 1970-9998"
    ),
    query("to", STRING, "the end, exclusive, in the same forms; default now"),
]
TEXT = {"type": "string"}

# (method, OpenAPI path under /api/v1) -> the operation's parameters, body, answers and the
# refusals it can give besides those every route may (401/403 come from token_required).
OPERATIONS: dict[tuple[str, str], Schema] = {
    ("post", "/auth/token"): {
        "body": body(
            {"number": STRING, "password": STRING, "name": STRING}, ["number", "password"]
        ),
        "ok": answer(201, closed({"token": STRING, "item": ref("Token")})),
        "errors": [400, 401, 403, 429],
    },
    ("get", "/health"): {
        "ok": {**answer(200, "Health"), **answer(503, "Health", "the database or Redis is down")},
    },
    ("get", "/openapi.json"): {
        "ok": answer(200, {"type": "object"}, "this document"),
    },
    ("get", "/mentions"): {
        "params": [
            query("status", {"enum": ["open", "answered", "escalated", "dismissed", "all"]}),
            query("limit", {"type": "integer", "minimum": 1, "maximum": 200}),
            query("cursor", STRING, "next_cursor of the previous page"),
            query("q", STRING, "words the text or the author's name contains"),
            query(
                "sort",
                {"enum": ["oldest", "newest", "priority"]},
                "the customer's time either way (default: open and escalated oldest first, the"
                " rest newest first), or priority: high first, then the default order; a cursor"
                " only continues the order it came from",
            ),
            query("kind", {"enum": ["all", "post", "dm"]}, "public mentions, DMs or both"),
            query("tag", STRING, "only mentions carrying this tag of the desk's list"),
        ],
        "ok": answer(200, "MentionPage"),
        "errors": [400, 422],
        "description": "400 invalid_status, invalid_limit, invalid_cursor, invalid_sort,"
        " invalid_kind; 422 unknown_tag (an unknown `tag`: the error lists `unknown` and"
        " `known`).",
    },
    ("put", "/mentions/{mention_id}/tags"): {
        # Replaces the set: [] takes every tag off. Names are NFC-normalised, deduplicated.
        "body": body({"tags": {"type": "array", "items": STRING, "maxItems": 100}}, ["tags"]),
        "ok": answer(200, "Mention"),
        "errors": [400, 403, 404, 422],
        "description": "400 invalid_request (not a JSON object), invalid_tags (tags is not a"
        " list of strings), invalid_text (a lone surrogate, a control or invisible character);"
        " 403 tag_needs_claim (a trainee tags only a mention they hold); 422 unknown_tag (lists"
        " `unknown` and `known`), too_many_tags (more than 10).",
    },
    ("get", "/mentions/{mention_id}/tags/suggestions"): {
        "ok": answer(200, items_of(ref("TagSuggestion"))),
        "errors": [404],
        "description": "At most five: tags the text names (by name or fugashi lemma) first,"
        " then by how often colleagues set each on mentions sharing the text's terms.",
    },
    ("get", "/mentions/{mention_id}"): {"ok": answer(200, "MentionWithReplies"), "errors": [404]},
    ("post", "/mentions/{mention_id}/claim"): {
        "ok": answer(200, "Mention"),
        "errors": [404, 409],
    },
    ("post", "/mentions/{mention_id}/release"): {
        "ok": answer(200, "Mention"),
        "errors": [404, 409],
    },
    ("post", "/mentions/{mention_id}/replies"): {
        "body": body({"text": TEXT, "confirm_warnings": BOOLEAN}, ["text"]),
        "ok": answer(202, closed({"reply": ref("Reply")})),
        "errors": [400, 404, 409, 422],
    },
    ("post", "/mentions/{mention_id}/move-to-dm"): {
        # text is optional: without it the canned invitation in the desk's language is posted.
        "body": body({"text": TEXT, "confirm_warnings": BOOLEAN}, []),
        "ok": answer(202, closed({"reply": ref("Reply")})),
        "errors": [400, 404, 409, 422],
    },
    ("post", "/mentions/{mention_id}/dismiss"): {
        "body": body({"reason": TEXT}),
        "ok": answer(200, "Mention"),
        "errors": [400, 404, 409],
    },
    ("post", "/mentions/{mention_id}/escalate"): {
        "body": body({"reason": TEXT}),
        "ok": answer(201, closed({"escalation": ref("Escalation")})),
        "errors": [400, 404, 409],
    },
    ("get", "/mentions/{mention_id}/notes"): {
        "ok": answer(200, items_of(ref("Note"))),
        "errors": [404],
    },
    ("post", "/mentions/{mention_id}/notes"): {
        # Staff only, never posted: 422 note_empty or note_too_long (over 2,000 characters),
        # 400 invalid_text for control or invisible characters.
        "body": body(
            {"text": TEXT, "about": {"enum": ["mention", "customer"]}},
            ["text"],
        ),
        "ok": answer(201, closed({"note": ref("Note")})),
        "errors": [400, 404, 422],
    },
    ("post", "/replies/preview"): {
        "body": body({"text": TEXT, "mention_id": nullable(ID)}, ["text"]),
        "ok": answer(200, "Preview"),
        "errors": [400, 404],
    },
    ("get", "/replies/{reply_id}"): {"ok": answer(200, "Reply"), "errors": [404]},
    ("post", "/replies/{reply_id}/approve"): {
        "ok": answer(200, closed({"reply": ref("Reply")})),
        "errors": [404, 409, 422],
    },
    ("post", "/replies/{reply_id}/reject"): {
        "body": body({"reason": TEXT}),
        "ok": answer(200, closed({"reply": ref("Reply")})),
        "errors": [400, 404, 409],
    },
    ("get", "/escalations"): {
        "params": [
            query("status", {"enum": ["open", "resolved", "all"]}),
            query("limit", {"type": "integer", "minimum": 1, "maximum": 500}),
        ],
        "ok": answer(200, items_of(ref("Escalation"))),
        "errors": [400],
    },
    ("post", "/escalations/{escalation_id}/assign"): {
        "body": body({"employee": NUMBER_OF_EMPLOYEE}),
        "ok": answer(200, closed({"escalation": ref("Escalation")})),
        "errors": [400, 404, 409],
    },
    ("post", "/escalations/{escalation_id}/resolve"): {
        "body": body({"note": TEXT, "dismiss": BOOLEAN}, ["note"]),
        "ok": answer(200, closed({"escalation": ref("Escalation")})),
        "errors": [400, 404, 409],
    },
    ("post", "/escalations/{escalation_id}/take"): {
        "ok": answer(200, closed({"escalation": ref("Escalation")})),
        "errors": [404, 409],
    },
    ("get", "/coverage"): {"params": PERIOD, "ok": answer(200, "Coverage"), "errors": [400]},
    ("get", "/listening"): {"params": PERIOD, "ok": answer(200, "Listening"), "errors": [400]},
    ("get", "/costs"): {
        "params": [
            *PERIOD,
            query("period", {"enum": ["today", "7d", "custom"]}, "a named period of the desk"),
        ],
        "ok": answer(200, "Costs"),
        "errors": [400],
    },
    ("get", "/costs/prices"): {
        "ok": answer(
            200,
            closed(
                {
                    "prices": {"type": "array", "items": ref("Price")},
                    "post_read_cap": nullable(_COUNT),
                }
            ),
        ),
    },
    ("put", "/costs/prices/{kind}"): {
        "body": body({"price": {"anyOf": [{"type": "number", "minimum": 0}, STRING]}}, ["price"]),
        "ok": answer(200, "Price"),
        "errors": [400, 404],
    },
    ("put", "/costs/post-read-cap"): {
        "body": body({"cap": {"anyOf": [_COUNT, STRING]}}, ["cap"]),
        "ok": answer(200, closed({"post_read_cap": _COUNT})),
        "errors": [400],
    },
    ("get", "/canned-replies"): {
        "params": [query("language", {"enum": ["ja", "en"]})],
        "ok": answer(200, items_of(ref("CannedReply"))),
        "errors": [400],
    },
    ("get", "/rules"): {
        "ok": answer(
            200,
            closed(
                {
                    "guideline": {"type": "array", "items": ref("GuidelineRule")},
                    "priority": {"type": "array", "items": ref("PriorityRule")},
                    "sla": {"type": "array", "items": ref("SlaTarget")},
                }
            ),
        ),
    },
    ("post", "/rules/test"): {
        "body": body(
            {"text": TEXT, "followers_count": {"type": "integer", "minimum": 0}}, ["text"]
        ),
        "ok": answer(200, "RuleTrial"),
        "errors": [400],
    },
    ("post", "/rules/guideline"): {
        "body": body(
            {
                "kind": {"enum": ["banned_term", "link_domain"]},
                "value": TEXT,
                "severity": {"enum": ["block", "warn"]},
            },
            ["kind", "value"],
        ),
        "ok": answer(201, closed({"rule": ref("GuidelineRule")})),
        "errors": [400, 409],
    },
    ("post", "/rules/guideline/{rule_id}"): {
        "body": body({"value": TEXT, "severity": {"enum": ["block", "warn"]}}, []),
        "ok": answer(200, closed({"rule": ref("GuidelineRule")})),
        "errors": [400, 404, 409],
    },
    ("post", "/rules/guideline/{rule_id}/enable"): {
        "ok": answer(200, closed({"rule": ref("GuidelineRule"), "changed": BOOLEAN})),
        "errors": [404],
    },
    ("post", "/rules/guideline/{rule_id}/disable"): {
        "ok": answer(200, closed({"rule": ref("GuidelineRule"), "changed": BOOLEAN})),
        "errors": [404],
    },
    ("post", "/rules/priority"): {
        "body": body(
            {
                "kind": {"enum": ["urgent_keyword", "negative_tone"]},
                "language": {"enum": ["ja", "en", "any"]},
                "value": TEXT,
            }
        ),
        "ok": answer(201, closed({"rule": ref("PriorityRule")})),
        "errors": [400, 409],
    },
    ("post", "/rules/priority/{rule_id}"): {
        "body": body({"language": {"enum": ["ja", "en", "any"]}, "value": TEXT}, ["value"]),
        "ok": answer(200, closed({"rule": ref("PriorityRule")})),
        "errors": [400, 404, 409],
    },
    ("post", "/rules/priority/{rule_id}/enable"): {
        "ok": answer(200, closed({"rule": ref("PriorityRule"), "changed": BOOLEAN})),
        "errors": [404],
    },
    ("post", "/rules/priority/{rule_id}/disable"): {
        "ok": answer(200, closed({"rule": ref("PriorityRule"), "changed": BOOLEAN})),
        "errors": [404],
    },
    ("post", "/rules/sla"): {
        "body": body(
            {"priority": {"enum": PRIORITIES}, "seconds": {"type": "integer", "minimum": 60}}
        ),
        "ok": answer(200, closed({"sla": {"type": "array", "items": ref("SlaTarget")}})),
        "errors": [400],
    },
    ("get", "/tokens"): {"ok": answer(200, items_of(ref("Token")))},
    ("post", "/tokens/{token_id}/revoke"): {"ok": answer(200, "Token"), "errors": [404]},
    ("get", "/employees"): {"ok": answer(200, items_of(ref("Employee")))},
    ("post", "/employees"): {
        "body": body(
            {"number": STRING, "name": STRING, "role": {"enum": ROLES}, "password": STRING}
        ),
        "ok": answer(201, "Employee"),
        "errors": [400, 409],
    },
    ("get", "/employees/{number}"): {"ok": answer(200, "Employee"), "errors": [404]},
    ("post", "/employees/{number}/role"): {
        "body": body({"role": {"enum": ROLES}}),
        "ok": answer(200, "Employee"),
        "errors": [400, 404, 409],
    },
    ("post", "/employees/{number}/suspend"): {
        "ok": answer(200, "EmployeeChange"),
        "errors": [404, 409],
    },
    ("post", "/employees/{number}/reinstate"): {
        "ok": answer(200, "EmployeeChange"),
        "errors": [404, 409],
    },
    ("post", "/employees/{number}/password"): {
        "body": body({"password": STRING}),
        "ok": answer(200, "Employee"),
        "errors": [400, 404],
    },
    ("post", "/next"): {
        "ok": {
            **answer(200, closed({"mention": ref("Mention")})),
            **answer(204, None, "nothing open fits me"),
        },
        "errors": [403, 409],
    },
    ("get", "/routing"): {"ok": answer(200, "Routing")},
    ("put", "/routing"): {
        "body": body({"mode": {"enum": ["pull", "next", "auto"]}}),
        "ok": answer(200, "Routing"),
        "errors": [400],
    },
    ("get", "/employees/{number}/skills"): {"ok": answer(200, "Skills"), "errors": [404]},
    ("put", "/employees/{number}/skills"): {
        "body": body(
            {
                "languages": {"type": "array", "items": {"enum": ["ja", "en"]}, "minItems": 1},
                "tags": {"type": "array", "items": STRING},
                "capacity": {"type": "integer", "minimum": 1, "maximum": 20},
            },
            ["languages", "capacity"],
        ),
        "ok": answer(200, "Skills"),
        "errors": [400, 404, 422],
    },
    ("get", "/presence"): {
        "ok": answer(
            200,
            closed(
                {
                    "employees": {
                        "type": "array",
                        "items": closed(
                            {
                                "number": NUMBER_OF_EMPLOYEE,
                                "state": {"enum": ["online", "away", "offline"]},
                                "open_claims": INTEGER,
                                "capacity": INTEGER,
                                "languages": {"type": "array", "items": STRING},
                                "tags": {"type": "array", "items": STRING},
                            }
                        ),
                    }
                }
            ),
        ),
    },
    ("get", "/tags"): {"ok": answer(200, items_of(ref("Tag")))},
    ("post", "/tags"): {
        "body": body({"name": STRING}),
        "ok": answer(201, "Tag"),
        "errors": [400, 409],
    },
    ("get", "/employees/{number}/tokens"): {
        "ok": answer(200, items_of(ref("Token"))),
        "errors": [403, 404],
    },
}
