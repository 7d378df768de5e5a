"""Likes and spoken values beside the logged series (``capture.logged_id``, ``capture.conflict``);
the packages a run's script imports (``run.imports``)

A like or a spoken value of a name the run's code logged is an annotation of that series, not a
replacement for it: ``logged_id`` is the logged capture it equals (or, with ``conflict`` saying
why, the logged value it contradicts), and such a capture no longer counts as the run's value.

Revision ID: 0011_annotations
Revises: 0010_observed_without_in
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_annotations"
down_revision = "0010_observed_without_in"
branch_labels = None
depends_on = None


# Existing likes and spoken values of a logged name go beside the newest logged value of it
# (whether they equal it is left to a person: ``runnotes runs show`` lists them).
BACKFILL = """
UPDATE capture SET logged_id = (
    SELECT c2.id FROM capture AS c2
    WHERE c2.run_id = capture.run_id AND c2.kind = capture.kind AND c2.name = capture.name
      AND c2.source IN ('sdk', 'watch', 'import') AND NOT c2.liked
    ORDER BY c2.id DESC LIMIT 1
)
WHERE (capture.liked OR capture.source = 'voice') AND capture.kind IN ('metric', 'param')
"""


CHANGED = "OLD.kind = 'metric' OR NEW.kind = 'metric'"
BUMP = "UPDATE run SET series_version = series_version + 1 WHERE id IN (OLD.run_id, NEW.run_id)"


def _trigger(columns: str) -> None:
    """The trigger of 0008 that tells cached series they are stale, on these columns: linking
    a like takes it out of its run's series, as a review does."""
    postgres = op.get_context().dialect.name == "postgresql"
    op.execute("DROP TRIGGER capture_series_changed" + (" ON capture" if postgres else ""))
    if postgres:
        op.execute(
            f"CREATE TRIGGER capture_series_changed AFTER UPDATE OF {columns} ON capture "
            f"FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION capture_series_changed()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER capture_series_changed AFTER UPDATE OF {columns} ON capture "
            f"FOR EACH ROW WHEN {CHANGED} BEGIN {BUMP}; END"
        )


BEFORE = "value, step, review, name, kind, run_id"


def upgrade() -> None:
    op.add_column("capture", sa.Column("logged_id", sa.Integer(), nullable=True))
    op.add_column("capture", sa.Column("conflict", sa.String(), nullable=True))
    op.add_column("run", sa.Column("imports", sa.String(), nullable=True))
    _trigger(f"{BEFORE}, logged_id")
    op.execute(BACKFILL)


def downgrade() -> None:
    _trigger(BEFORE)
    with op.batch_alter_table("run") as batch:
        batch.drop_column("imports")
    op.drop_column("capture", "conflict")
    op.drop_column("capture", "logged_id")
