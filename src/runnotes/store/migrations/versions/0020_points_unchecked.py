"""Logged values without foreign-key checks: a batch of points is checked once, not per row

``series_point`` referenced ``run`` and ``series_name``. PostgreSQL checks such a reference with
a trigger per inserted row: a team server's ``COPY`` of 10 000 values took 98 ms, 30 ms of it
without the two checks (measured 2026-12-06, the team benchmark's batches). The writers check
what the references guarded, once per batch: the run exists (the API answers 404 first) and
every name id comes from ``series_name`` in the same transaction
(:func:`runnotes.store.points.name_ids`); runs are never deleted. SQLite rebuilds the table
(it cannot drop a constraint), keeping every row and id.

Revision ID: 0020_points_unchecked
Revises: 0017_team_server
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_points_unchecked"
down_revision = "0017_team_server"
branch_labels = None
depends_on = None

COLUMNS = "id, run_id, name_id, step, value, timestamp, source"


def _points_table(name: str, *references: sa.ForeignKey) -> None:
    run_ref, name_ref = references or (None, None)
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("run_id", sa.Integer(), *([run_ref] if run_ref else []), nullable=False),
        sa.Column("name_id", sa.Integer(), *([name_ref] if name_ref else []), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("timestamp", sa.Float(), nullable=False),
        sa.Column("source", sa.SmallInteger(), nullable=False, server_default="0"),
    )


def _rebuild_sqlite(*references: sa.ForeignKey) -> None:
    _points_table("series_point_new", *references)
    op.execute(f"INSERT INTO series_point_new ({COLUMNS}) SELECT {COLUMNS} FROM series_point")
    op.drop_index("ix_series_point_run_name", table_name="series_point")
    op.drop_table("series_point")
    op.rename_table("series_point_new", "series_point")
    op.create_index("ix_series_point_run_name", "series_point", ["run_id", "name_id", "id"])


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.drop_constraint("series_point_run_id_fkey", "series_point", type_="foreignkey")
        op.drop_constraint("series_point_name_id_fkey", "series_point", type_="foreignkey")
    else:
        _rebuild_sqlite()


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.create_foreign_key(None, "series_point", "run", ["run_id"], ["id"])
        op.create_foreign_key(None, "series_point", "series_name", ["name_id"], ["id"])
    else:
        _rebuild_sqlite(sa.ForeignKey("run.id"), sa.ForeignKey("series_name.id"))
