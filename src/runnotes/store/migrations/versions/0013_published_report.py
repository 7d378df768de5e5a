"""published reports: a frozen copy of a report for a reader, with its content hash and version

``runnotes report --for reviewer --publish`` keeps the exact Markdown it wrote; publishing again
after the store changed adds version 2, and an unchanged report keeps its version. What the code
relies on (experiment, reader, version, hash, time) are columns.

Revision ID: 0013_published_report
Revises: 0011_annotations
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_published_report"
down_revision = "0011_annotations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publishedreport",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("reader", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("markdown", sa.Text(), nullable=False),
        sa.Column("published_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["experiment_id"], ["experiment.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("experiment_id", "reader", "version"),
    )
    op.create_index(
        "ix_publishedreport_experiment_id", "publishedreport", ["experiment_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_publishedreport_experiment_id", table_name="publishedreport")
    op.drop_table("publishedreport")
