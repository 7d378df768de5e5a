"""run.series_version (a counter moved when a stored metric value changes); timeline index

Charts of long series are downsampled in SQL (:mod:`runnotes.store.series`), which reads every
value once, and cached per process. A cached series is still right while its newest capture id is
the same (new values get new ids) and nothing was changed in place: a review (approve, reject) or
an edit of a metric value. This trigger bumps the run's counter on such an update, in any process
(the CLI, the agent, the web page), so a cache can never show a curve that is no longer true.
Inserts do not fire it, so bulk logging costs the same.

``ix_capture_observed`` is a partial index of the metric and param captures that code did not log
(likes, spoken values): a run's timeline pages through them without reading the logged values.
Bulk logging writes no entry to it.

Revision ID: 0008_series_version
Revises: 0007_run_owner
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_series_version"
down_revision = "0007_run_owner"
branch_labels = None
depends_on = None

OBSERVED = "kind IN ('metric', 'param') AND source NOT IN ('sdk', 'watch', 'import')"
CHANGED = "OLD.kind = 'metric' OR NEW.kind = 'metric'"
BUMP = "UPDATE run SET series_version = series_version + 1 WHERE id IN (OLD.run_id, NEW.run_id)"


def upgrade() -> None:
    op.create_index(
        "ix_capture_observed",
        "capture",
        ["run_id", "id"],
        sqlite_where=sa.text(OBSERVED),
        postgresql_where=sa.text(OBSERVED),
    )
    op.add_column(
        "run", sa.Column("series_version", sa.Integer(), nullable=False, server_default="0")
    )
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION capture_series_changed() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER capture_series_changed AFTER UPDATE OF value, step, review, name, "
            f"kind, run_id ON capture FOR EACH ROW WHEN ({CHANGED}) "
            "EXECUTE FUNCTION capture_series_changed()"
        )
    else:
        op.execute(
            "CREATE TRIGGER capture_series_changed AFTER UPDATE OF value, step, review, name, "
            f"kind, run_id ON capture FOR EACH ROW WHEN {CHANGED} BEGIN {BUMP}; END"
        )


def downgrade() -> None:
    op.drop_index("ix_capture_observed", table_name="capture")
    op.execute(
        "DROP TRIGGER capture_series_changed"
        + (" ON capture" if op.get_context().dialect.name == "postgresql" else "")
    )
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION capture_series_changed()")
    with op.batch_alter_table("run") as batch:
        batch.drop_column("series_version")
