"""roll-ups' day marks: a token per UTC day, renewed by every rebuild of that day's rows, under
which sums over settled days are cached (services/rollup_cache.py); the days already built get
one token now

Revision ID: 0024_day_marks
Revises: 0023_daily
Create Date: 2026-12-06 09:45:00.000000

"""

import uuid

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024_day_marks"
down_revision = "0023_daily"
branch_labels = None
depends_on = None

DAYS = (
    "SELECT day FROM rollup_day_counts UNION SELECT day FROM rollup_day_response_bins"
    " UNION SELECT day FROM rollup_day_employee_bins"
)


def upgrade():
    op.create_table(
        "rollup_day_marks",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("mark", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_rollup_day_marks")),
    )
    mark = uuid.uuid4().hex  # hex digits only: safe inside the SQL text
    op.execute(f"INSERT INTO rollup_day_marks (day, mark) SELECT day, '{mark}' FROM ({DAYS}) d")


def downgrade():
    op.drop_table("rollup_day_marks")
