"""runs can be archived and (softly) deleted

Two nullable times on ``run``: set by ``runnotes runs archive`` / ``delete`` (or the page), cleared
by ``runs restore``. Nothing is removed, so every capture of an archived or deleted run is still
there when it comes back.

Revision ID: 0006_run_archive
Revises: 0005_trust_model
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_run_archive"
down_revision = "0005_trust_model"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("run") as batch:
        batch.add_column(sa.Column("archived_at", sa.Float(), nullable=True))
        batch.add_column(sa.Column("deleted_at", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("run") as batch:
        batch.drop_column("deleted_at")
        batch.drop_column("archived_at")
