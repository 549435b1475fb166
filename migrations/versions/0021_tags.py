"""tags as dispositions: who set a mention's tag and when, the (term, tag) counts that suggest
tags from colleagues' tagging, and the per-tag roll-up that coverage and listening read

Revision ID: 0021_tags
Revises: 0020_notes
Create Date: 2026-12-06 03:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_tags"
down_revision = "0020_notes"
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows keep NULL: nobody knows who set a tag before this revision, or when.
    with op.batch_alter_table("mention_tags", schema=None) as batch:
        batch.add_column(sa.Column("set_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("set_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_mention_tags_set_by_id_employees"), "employees", ["set_by_id"], ["id"]
        )
    op.create_table(
        "tag_term_counts",
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_tag_term_counts_tag_id_tags")
        ),
        sa.PrimaryKeyConstraint("term", "tag_id", name=op.f("pk_tag_term_counts")),
    )
    op.create_table(
        "rollup_tag_counts",
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("responded", sa.Integer(), nullable=False),
        sa.Column("sla_met", sa.Integer(), nullable=False),
        sa.Column("sla_missed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "tag_id", "status", name=op.f("pk_rollup_tag_counts")),
    )
    # Tagged mentions get a per-tag roll-up from the next refresh: it finds none kept yet.
    op.execute("UPDATE rollup_state SET sla_normal_seconds = NULL")


def downgrade():
    op.drop_table("rollup_tag_counts")
    op.drop_table("tag_term_counts")
    with op.batch_alter_table("mention_tags", schema=None) as batch:
        batch.drop_constraint(batch.f("fk_mention_tags_set_by_id_employees"), type_="foreignkey")
        batch.drop_column("set_at")
        batch.drop_column("set_by_id")
