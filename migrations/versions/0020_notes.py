"""internal notes on a mention or a customer, and the notifications their @0427 mentions send

Revision ID: 0020_notes
Revises: 0019_dmrest
Create Date: 2026-12-05 23:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020_notes"
down_revision = "0019_dmrest"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("customer_x_id", sa.BigInteger(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mention_id"], ["mentions.id"], name=op.f("fk_notes_mention_id_mentions")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["employees.id"], name=op.f("fk_notes_author_id_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    op.create_index(op.f("ix_notes_mention_id"), "notes", ["mention_id"])
    op.create_index("ix_notes_customer_created", "notes", ["customer_x_id", "created_at"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_notifications_employee_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_notifications_note_id_notes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "employee_id", "note_id", name=op.f("uq_notifications_employee_id")
        ),
    )
    op.create_index(
        "ix_notifications_employee_created", "notifications", ["employee_id", "created_at"]
    )


def downgrade():
    op.drop_table("notifications")
    op.drop_table("notes")
