"""The brand account: found with GET /2/users/me on first use and stored."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from helpdesk.extensions import db
from helpdesk.models import BrandAccount
from helpdesk.x.client import XClient


def x_client() -> XClient:
    """This app's X client."""
    return current_app.extensions["x_client"]


def get_brand_account(account_id: int | None = None) -> BrandAccount:
    """The stored brand account (by id, or the only one), asking X who we are on first use."""
    if account_id is not None:
        account = db.session.get(BrandAccount, account_id)
        if account is None:
            raise LookupError(f"no brand account {account_id}")
        return account
    account = db.session.scalar(sa.select(BrandAccount).order_by(BrandAccount.id).limit(1))
    if account is not None:
        return account
    db.session.rollback()  # end the read before a network call
    me = x_client().get_me()
    db.session.add(BrandAccount(x_user_id=me.id, username=me.username or "", name=me.name or ""))
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # another worker stored it first
        db.session.rollback()
    return db.session.scalar(sa.select(BrandAccount).where(BrandAccount.x_user_id == me.id))


def stored_brand_account() -> BrandAccount | None:
    """The brand account if one was stored already (no X call)."""
    return db.session.scalar(sa.select(BrandAccount).order_by(BrandAccount.id).limit(1))
