"""Helpers for the browser tests: the system's Chromium, hostile text, ingesting for a page."""

from __future__ import annotations

import os

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Mention
from helpdesk.services.ingest import ingest_mentions

CHROMIUM = os.environ.get("HELPDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE = "<img src=x onerror=alert(1)>"


def ingest(x, *texts: str, **author: str) -> list[int]:
    """Mention the brand with each text, ingest, and return every stored mention id, in the
    inbox's order (the customer's time, then tweet id)."""
    for text in texts:
        x.mention(text, **author)
    ingest_mentions()
    order = (Mention.created_at, Mention.tweet_id)
    ids = list(db.session.scalars(sa.select(Mention.id).order_by(*order)))
    db.session.rollback()  # let the server's threads write (SQLite's single writer)
    return ids
