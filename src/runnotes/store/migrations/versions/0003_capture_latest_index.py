"""capture index for "latest value of a metric/param per run"

The run filter (``metrics.x > 0.9``), sorting by a metric and the latest-values summary all ask
for the newest capture of one (run, kind, name). With ``(run_id, kind, name, id)`` that is one
index seek (``ORDER BY id DESC LIMIT 1``) instead of a sort of every step, in SQLite and
PostgreSQL alike: the filtered runs count on 10 000 runs went from ~125 ms to ~45 ms.

Revision ID: 0003_capture_latest
Revises: 0002_drafts
"""

from alembic import op

revision = "0003_capture_latest"
down_revision = "0002_drafts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_capture_run_kind_name", "capture", ["run_id", "kind", "name", "id"])


def downgrade() -> None:
    op.drop_index("ix_capture_run_kind_name", table_name="capture")
