"""routing: employees' languages and capacity, tags on mentions and employees, mention language,
desk settings (routing_mode)

Revision ID: 0014_routing
Revises: 0013_rollups
Create Date: 2026-12-05 08:00:00.000000

"""

import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014_routing"
down_revision = "0013_rollups"
branch_labels = None
depends_on = None

# A frozen copy of services/languages.py's rule: kana or kanji -> ja, anything else -> en.
_JAPANESE = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_BATCH = 1000


def upgrade():
    with op.batch_alter_table("employees") as batch:
        batch.add_column(
            sa.Column("languages", sa.String(length=32), server_default="ja", nullable=False)
        )
        batch.add_column(sa.Column("capacity", sa.Integer(), server_default="3", nullable=False))
    with op.batch_alter_table("mentions") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
    )
    op.create_table(
        "mention_tags",
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mention_id"], ["mentions.id"], name=op.f("fk_mention_tags_mention_id_mentions")
        ),
        sa.ForeignKeyConstraint(["tag_id"], ["tags.id"], name=op.f("fk_mention_tags_tag_id_tags")),
        sa.PrimaryKeyConstraint("mention_id", "tag_id", name=op.f("pk_mention_tags")),
    )
    op.create_index(op.f("ix_mention_tags_tag_id"), "mention_tags", ["tag_id"])
    op.create_table(
        "employee_tags",
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_employee_tags_employee_id_employees")
        ),
        sa.ForeignKeyConstraint(["tag_id"], ["tags.id"], name=op.f("fk_employee_tags_tag_id_tags")),
        sa.PrimaryKeyConstraint("employee_id", "tag_id", name=op.f("pk_employee_tags")),
    )
    op.create_index(op.f("ix_employee_tags_tag_id"), "employee_tags", ["tag_id"])
    op.create_table(
        "desk_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_desk_settings")),
    )
    _backfill_languages()


def _backfill_languages():
    """Each stored mention's language from its text, a batch of ids at a time."""
    conn = op.get_bind()
    mentions = sa.table(
        "mentions", sa.column("id", sa.Integer), sa.column("text"), sa.column("language")
    )
    after = 0
    while True:
        rows = conn.execute(
            sa.select(mentions.c.id, mentions.c.text)
            .where(mentions.c.id > after)
            .order_by(mentions.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        by_language = {"ja": [], "en": []}
        for row in rows:
            by_language["ja" if _JAPANESE.search(row.text or "") else "en"].append(row.id)
        for language, ids in by_language.items():
            if ids:
                conn.execute(
                    sa.update(mentions).where(mentions.c.id.in_(ids)).values(language=language)
                )
        after = rows[-1].id


def downgrade():
    op.drop_table("desk_settings")
    op.drop_index(op.f("ix_employee_tags_tag_id"), table_name="employee_tags")
    op.drop_table("employee_tags")
    op.drop_index(op.f("ix_mention_tags_tag_id"), table_name="mention_tags")
    op.drop_table("mention_tags")
    op.drop_table("tags")
    # Not batch copies: on SQLite those rebuild `mentions` and `employees`, which other tables
    # point at (ALTER TABLE ... DROP COLUMN works on SQLite >= 3.35 and PostgreSQL alike).
    op.execute("ALTER TABLE mentions DROP COLUMN language")
    op.execute("ALTER TABLE employees DROP COLUMN capacity")
    op.execute("ALTER TABLE employees DROP COLUMN languages")
