"""Fields code relies on become columns of capture (they were keys of capture.extra)

``role`` (what a note or spoken value is: rationale, next_step, metric…), ``confidence`` (how sure
Whisper was of the sentence), ``liked`` (a person pointed at it), ``via`` (how a like read it:
selection, ocr…), ``parent_id`` (the voice note a value was heard in; ``extra.from_capture``
before) and ``status`` (a voice note's transcription: pending, ok, failed). Existing values move
out of ``extra``, which keeps only free-form, per-source detail.

Revision ID: 0009_capture_columns
Revises: 0008_series_version
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_capture_columns"
down_revision = "0008_series_version"
branch_labels = None
depends_on = None

# column → (key it had in extra, SQL type to cast the JSON text to on PostgreSQL)
MOVED = {
    "role": ("role", "text"),
    "confidence": ("confidence", "double precision"),
    "liked": ("liked", "boolean"),
    "via": ("via", "text"),
    "parent_id": ("from_capture", "integer"),
    "status": ("status", "text"),
}


def _read(key: str, cast: str, postgres: bool) -> str:
    """SQL that reads ``extra``'s key as the column's type."""
    return f"(extra->>'{key}')::{cast}" if postgres else f"json_extract(extra, '$.{key}')"


def upgrade() -> None:
    op.add_column("capture", sa.Column("role", sa.String(), nullable=True))
    op.add_column("capture", sa.Column("confidence", sa.Float(), nullable=True))
    op.add_column(
        "capture", sa.Column("liked", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("capture", sa.Column("via", sa.String(), nullable=True))
    op.add_column("capture", sa.Column("parent_id", sa.Integer(), nullable=True))
    op.add_column("capture", sa.Column("status", sa.String(), nullable=True))
    op.create_index(
        "ix_capture_parent",
        "capture",
        ["parent_id"],
        sqlite_where=sa.text("parent_id IS NOT NULL"),
        postgresql_where=sa.text("parent_id IS NOT NULL"),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    sets = ", ".join(
        f"{col} = {_read(key, cast, postgres)}"
        if col != "liked"
        else f"liked = coalesce({_read(key, cast, postgres)}, {'false' if postgres else 0})"
        for col, (key, cast) in MOVED.items()
    )
    if postgres:
        drop = " - ".join(f"'{key}'" for key, _ in MOVED.values())
        op.execute(
            f"UPDATE capture SET {sets}, extra = (extra::jsonb - {drop})::json "
            "WHERE extra IS NOT NULL AND json_typeof(extra) = 'object'"
        )
        op.execute("UPDATE capture SET extra = NULL WHERE extra::text = '{}'")
    else:
        paths = ", ".join(f"'$.{key}'" for key, _ in MOVED.values())
        op.execute(
            f"UPDATE capture SET {sets}, extra = json_remove(extra, {paths}) "
            "WHERE extra IS NOT NULL AND json_type(extra) = 'object'"
        )
        op.execute("UPDATE capture SET extra = NULL WHERE extra = '{}'")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        pairs = ", ".join(f"'{key}', {col}" for col, (key, _) in MOVED.items())
        op.execute(
            "UPDATE capture SET extra = (coalesce(extra::jsonb, '{}'::jsonb) || "
            f"jsonb_strip_nulls(jsonb_build_object({pairs})))::json "
            "WHERE role IS NOT NULL OR confidence IS NOT NULL OR liked OR via IS NOT NULL "
            "OR parent_id IS NOT NULL OR status IS NOT NULL"
        )
    else:
        pairs = ", ".join(f"'$.{key}', {col}" for col, (key, _) in MOVED.items())
        op.execute(
            f"UPDATE capture SET extra = json_set(coalesce(extra, '{{}}'), {pairs}) "
            "WHERE role IS NOT NULL OR confidence IS NOT NULL OR liked OR via IS NOT NULL "
            "OR parent_id IS NOT NULL OR status IS NOT NULL"
        )
    op.drop_index("ix_capture_parent", table_name="capture")
    for col in MOVED:
        op.drop_column("capture", col)
