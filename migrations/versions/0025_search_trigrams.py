"""search by trigrams on PostgreSQL: pg_trgm's GIN indexes on mentions' text and on customers'
usernames and names, so a search for a rare word reads the few rows that hold it instead of
walking the whole history newest first (services/mention_search.py); SQLite is unchanged

Revision ID: 0025_search_trigrams
Revises: 0024_day_marks
Create Date: 2026-12-06 16:40:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0025_search_trigrams"
down_revision = "0024_day_marks"
branch_labels = None
depends_on = None

NO_TRGM = (
    "PostgreSQL's pg_trgm extension is not installed on this server. It ships with PostgreSQL"
    " (Debian: postgresql-contrib; every managed service offers it) and, since PostgreSQL 13,"
    " the database's owner may create it: install it, then run the migration again."
)


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    available = bind.exec_driver_sql(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
    ).scalar()
    if not available:
        raise RuntimeError(NO_TRGM)
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # At 1M mentions the text's index takes about two minutes to build (2 cores).
    op.create_index(
        "ix_mentions_text_trgm",
        "mentions",
        ["text"],
        postgresql_using="gin",
        postgresql_ops={"text": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_x_users_names_trgm",
        "x_users",
        ["username", "name"],
        postgresql_using="gin",
        postgresql_ops={"username": "gin_trgm_ops", "name": "gin_trgm_ops"},
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_x_users_names_trgm", table_name="x_users")
    op.drop_index("ix_mentions_text_trgm", table_name="mentions")
