"""trust model: metric values recorded by code are approved; a small index of pending captures

Until now the SDK, ``watch``, team-mode uploads and imports stored every metric value as
*pending*, and the review queue hid them (a long run logs thousands), while reports counted
approved values only: a README could call the wrong run the best. Values code recorded are facts,
so this approves the pending metric values whose source is ``sdk``, ``watch`` or ``import``
(values heard in speech or read by OCR keep their review state).

With those approved, pending captures are few, so the review queue lists every one of them from a
partial index on ``review = 'pending'`` (replacing the index of non-metric reviews, which could not
serve a queue that includes spoken metric values).

Revision ID: 0005_trust_model
Revises: 0004_drop_step_index
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_trust_model"
down_revision = "0004_drop_step_index"
branch_labels = None
depends_on = None

CODE_SOURCES = ("sdk", "watch", "import")


def upgrade() -> None:
    capture = sa.table("capture", sa.column("review"), sa.column("kind"), sa.column("source"))
    op.execute(
        capture.update()
        .where(
            capture.c.review == "pending",
            capture.c.kind == "metric",
            capture.c.source.in_(CODE_SOURCES),
        )
        .values(review="approved")
    )
    op.drop_index("ix_capture_review", table_name="capture")
    op.create_index(
        "ix_capture_pending",
        "capture",
        ["id"],
        sqlite_where=sa.text("review = 'pending'"),
        postgresql_where=sa.text("review = 'pending'"),
    )


def downgrade() -> None:
    # The approvals stay: the old code reads approved values too, and which of them a person
    # approved by hand can no longer be told apart.
    op.drop_index("ix_capture_pending", table_name="capture")
    op.create_index(
        "ix_capture_review",
        "capture",
        ["review"],
        sqlite_where=sa.text("kind != 'metric'"),
        postgresql_where=sa.text("kind != 'metric'"),
    )
