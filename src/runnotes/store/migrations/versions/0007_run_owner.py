"""the process that owns a run: pid and its start time

A run started by a process (the SDK, ``watch``, a notebook kernel) records that process's pid and
start time beside the host it already records, so a run whose process died (SIGKILL, a crashed
kernel) can be told apart from one still running, and shown and closed as ``crashed``.

Revision ID: 0007_run_owner
Revises: 0006_run_archive
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_run_owner"
down_revision = "0006_run_archive"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("run") as batch:
        batch.add_column(sa.Column("pid", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("pid_started", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("run") as batch:
        batch.drop_column("pid_started")
        batch.drop_column("pid")
