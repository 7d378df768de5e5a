"""Code-logged values in their own narrow table (series_point, series_name); stored chart buckets

Each value a run's code logged (SDK, ``watch``, imports) was a row of the wide capture table:
logging paid for its columns and four indexes. Those values move to ``series_point`` (run id,
interned name id, step, value, time, a source code) under the ids they had, so likes and spoken
values linked to them (``capture.logged_id``) point at the moved rows. Both tables take ids from
one sequence from now on (PostgreSQL: the capture ids' sequence is the points' default; SQLite:
the writer takes the largest id of either table, see :mod:`runnotes.store.points`).

``series_chart`` keeps downsampled series (M4 buckets) so a new process draws a long series
without reading it.

Revision ID: 0015_series_points
Revises: 0014_browser_likes
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_series_points"
down_revision = "0014_browser_likes"
branch_labels = None
depends_on = None

LOGGED = (
    "capture.kind = 'metric' AND capture.source IN ('sdk', 'watch', 'import') "
    "AND NOT capture.liked AND capture.review = 'approved' AND capture.name IS NOT NULL "
    "AND (capture.value IS NOT NULL OR capture.text IS NULL OR capture.text = 'nan')"
)
SOURCE = "CASE capture.source WHEN 'sdk' THEN 0 WHEN 'watch' THEN 1 ELSE 2 END"


def upgrade() -> None:
    postgres = op.get_context().dialect.name == "postgresql"
    op.create_table(
        "series_name",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False, unique=True),
    )
    op.create_table(
        "series_point",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("run.id"), nullable=False),
        sa.Column("name_id", sa.Integer(), sa.ForeignKey("series_name.id"), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("timestamp", sa.Float(), nullable=False),
        sa.Column("source", sa.SmallInteger(), nullable=False, server_default="0"),
    )
    op.create_index("ix_series_point_run_name", "series_point", ["run_id", "name_id", "id"])
    op.create_table(
        "series_chart",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("run.id"), primary_key=True),
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("max_points", sa.Integer(), primary_key=True),
        sa.Column("newest", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("shape", sa.JSON(), nullable=False),
    )
    if postgres:  # one id space: the points draw from the capture ids' sequence
        sequence = (
            op.get_bind().exec_driver_sql("SELECT pg_get_serial_sequence('capture', 'id')").scalar()
        )
        op.execute(f"ALTER TABLE series_point ALTER COLUMN id SET DEFAULT nextval('{sequence}')")
    op.execute(
        f"INSERT INTO series_name (name) SELECT DISTINCT capture.name FROM capture WHERE {LOGGED}"
    )
    op.execute(
        "INSERT INTO series_point (id, run_id, name_id, step, value, timestamp, source) "
        f"SELECT capture.id, capture.run_id, series_name.id, capture.step, capture.value, "
        f"capture.timestamp, {SOURCE} FROM capture "
        f"JOIN series_name ON series_name.name = capture.name WHERE {LOGGED}"
    )
    op.execute(f"DELETE FROM capture WHERE {LOGGED}")
    if postgres:  # the shared sequence starts after every id either table holds
        op.execute(
            f"SELECT setval('{sequence}', greatest(1, (SELECT max(id) FROM series_point), "
            "(SELECT max(id) FROM capture)))"
        )


def downgrade() -> None:
    op.execute(
        "INSERT INTO capture (id, run_id, kind, source, name, value, text, step, timestamp, "
        "review, liked) SELECT p.id, p.run_id, 'metric', "
        "CASE p.source WHEN 0 THEN 'sdk' WHEN 1 THEN 'watch' ELSE 'import' END, n.name, p.value, "
        "CASE WHEN p.value IS NULL THEN 'nan' END, p.step, p.timestamp, 'approved', false "
        "FROM series_point AS p JOIN series_name AS n ON n.id = p.name_id"
    )
    op.drop_table("series_chart")
    op.drop_index("ix_series_point_run_name", table_name="series_point")
    op.drop_table("series_point")
    op.drop_table("series_name")
