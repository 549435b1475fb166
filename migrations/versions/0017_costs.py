"""costs: X's prices per kind of call (seeded with the published pay-per-use prices), the calls
counted per UTC day, and the monthly post-read cap

Revision ID: 0017_costs
Revises: 0014_routing
Create Date: 2026-12-05 12:00:00.000000

"""

from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_costs"
down_revision = "0014_routing"
branch_labels = None
depends_on = None

PRICING = "https://docs.x.com/x-api/getting-started/pricing"
OWNED = "https://docs.x.com/overview (Pay Per Use Pricing Changes: Featuring Owned Reads)"
FACTS = "shared/xapi/FACTS.md (What X charges)"

# (kind, US dollars per unit, where the number comes from; stored in millionths of a dollar), as X published them in 2026.
# Reads are billed per resource returned (expansions included), writes per request.
SEED = (
    # "Owned Reads ... your own posts, bookmarks, followers, likes ... $0.001 per resource"
    # (from 2026-04-20): the account's own mentions timeline and its own posts.
    ("owned_read", Decimal("0.001"), f"{OWNED}; {FACTS}"),
    # "Posts: Read $0.005 per resource" (search, post lookup, expanded referenced posts).
    ("post_read", Decimal("0.005"), f"{PRICING}: Posts: Read $0.005 per resource"),
    # "User: Read $0.010 per resource" (users/me, user lookup, expanded authors).
    ("user_read", Decimal("0.010"), f"{PRICING}: User: Read $0.010 per resource"),
    # "DM Event: Read $0.010 per resource".
    ("dm_read", Decimal("0.010"), f"{PRICING}: DM Event: Read $0.010 per resource"),
    # "Content: Create $0.015 per request".
    ("post", Decimal("0.015"), f"{PRICING}: Content: Create $0.015 per request"),
    # "Content: Create (with URL) $0.200 per request".
    ("post_with_link", Decimal("0.200"), f"{PRICING}: Content: Create (with URL) $0.200"),
    # A reply to a post whose author mentioned or quoted the account: $0.01 (FACTS.md, as X
    # announced it; the public pricing table does not list it apart).
    ("reply", Decimal("0.010"), f"{FACTS}: a reply to a post that mentioned the account $0.01"),
    # "DM Interaction: Create $0.015 per request".
    ("dm", Decimal("0.015"), f"{PRICING}: DM Interaction: Create $0.015 per request"),
)
# "Pay-per-usage plans are capped at 3 million Post reads per monthly billing cycle." (PRICING)
POST_READ_CAP_KEY = "x_post_read_cap"
POST_READ_CAP = "3000000"


def upgrade():
    op.create_table(
        "x_prices",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("micro_usd", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["employees.id"], name=op.f("fk_x_prices_updated_by_id_employees")
        ),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_x_prices")),
    )
    op.create_table(
        "x_usage_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("calls", sa.BigInteger(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", "kind", name=op.f("pk_x_usage_days")),
    )
    now = _now()
    prices = sa.table(
        "x_prices",
        sa.column("kind"),
        sa.column("micro_usd"),
        sa.column("source"),
        sa.column("updated_at"),
    )
    for kind, usd, source in SEED:
        op.execute(
            prices.insert().values(
                kind=kind, micro_usd=int(usd * 1_000_000), source=source, updated_at=now
            )
        )
    settings = sa.table(
        "desk_settings", sa.column("key"), sa.column("value"), sa.column("updated_at")
    )
    op.execute(settings.insert().values(key=POST_READ_CAP_KEY, value=POST_READ_CAP, updated_at=now))


def downgrade():
    settings = sa.table("desk_settings", sa.column("key"))
    op.execute(settings.delete().where(settings.c.key == POST_READ_CAP_KEY))
    op.drop_table("x_usage_days")
    op.drop_table("x_prices")


def _now():
    """Now, as the models' UTC column stores it (SQLite: their text form; else tz-aware)."""
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        return now.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return now
