"""Lineage between runs, and the projects overview's stored order, pins and archive

``run.parent_id`` is the run a run came from, ``link_how`` how (fork, resume, finetune, rerun,
variant), ``link_step`` the parent's step a resume or fork started from, ``link_source`` who set
the link (``start``: given when the run started; ``hand``: edited later by a person, an unlink
included; ``inferred``: runnotes read it from the evidence in ``link_evidence``). Inference only
fills runs whose ``link_source`` is NULL, so a person's link is never overwritten.

``experiment.position``, ``pinned`` and ``archived_at`` are the overview's cards as the user
arranged them (priority by dragging or from the keyboard).

Revision ID: 0016_lineage
Revises: 0015_series_points
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_lineage"
down_revision = "0015_series_points"
branch_labels = None
depends_on = None

RUN = (
    sa.Column("parent_id", sa.Integer(), nullable=True),
    sa.Column("link_how", sa.String(), nullable=True),
    sa.Column("link_step", sa.Integer(), nullable=True),
    sa.Column("link_source", sa.String(), nullable=True),
    sa.Column("link_evidence", sa.String(), nullable=True),
)
EXPERIMENT = (
    sa.Column("position", sa.Integer(), nullable=True),
    sa.Column("pinned", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("archived_at", sa.Float(), nullable=True),
)


def upgrade() -> None:
    for column in RUN:
        op.add_column("run", column)
    op.create_index("ix_run_parent_id", "run", ["parent_id"])
    for added in EXPERIMENT:
        op.add_column("experiment", added)


def downgrade() -> None:
    op.drop_index("ix_run_parent_id", "run")
    with op.batch_alter_table("run") as batch:
        for column in reversed(RUN):
            batch.drop_column(column.name)
    with op.batch_alter_table("experiment") as batch:
        for column in reversed(EXPERIMENT):
            batch.drop_column(column.name)
