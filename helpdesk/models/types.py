"""Column types shared by the models: UTC datetimes that stay tz-aware on SQLite too."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa


def trigram_index(name: str, *columns: str) -> sa.Index:
    """A pg_trgm GIN index serving ILIKE '%word%' searches, made on PostgreSQL only (SQLite
    scans: it has no such index) by the migrations and by metadata.create_all alike."""
    index = sa.Index(
        name,
        *columns,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops" for column in columns},
        info={"dialects": ("postgresql",)},
    )
    return index.ddl_if(dialect="postgresql")


def built_on(schema_object: object, dialect: str) -> bool:
    """Whether the migrations build this table, column or index on that backend (autogenerate
    compares only those)."""
    info = getattr(schema_object, "info", None) or {}
    return dialect in info.get("dialects", (dialect,))


def utcnow() -> datetime:
    """The current time, tz-aware in UTC."""
    return datetime.now(UTC)


def iso_utc(value: datetime | None, timespec: str = "auto") -> str | None:
    """ISO 8601 in UTC with a Z (the API's and health's form), or None."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Stores UTC; always returns tz-aware UTC (SQLite drops the zone, this puts it back)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine:
        # On SQLite we write the text ourselves, in SQLAlchemy's own DATETIME format: its
        # per-value formatter was the largest cost of ingesting a page.
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(26))
        return dialect.type_descriptor(sa.DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> object:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        return value

    def process_result_value(self, value: object, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def str_enum(enum_type: type, length: int = 24) -> sa.Enum:
    """A VARCHAR enum column storing the members' values ('open'), not their names ('OPEN')."""
    return sa.Enum(
        enum_type,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )
