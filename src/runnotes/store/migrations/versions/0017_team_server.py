"""State a team server shares between its worker processes: ingestion keys and wrong tokens

``ingest_key`` keeps the key of each acknowledged team-server batch (a retried batch is found and
not stored twice); ``login_failure`` counts wrong tokens per client for the login throttle, so
several workers or servers behind one database slow a guesser down together.

Revision ID: 0017_team_server
Revises: 0016_lineage
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_team_server"
down_revision = "0016_lineage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_key",
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_ingest_key_created_at", "ingest_key", ["created_at"])
    op.create_table(
        "login_failure",
        sa.Column("client", sa.String(length=200), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("login_failure")
    op.drop_index("ix_ingest_key_created_at", table_name="ingest_key")
    op.drop_table("ingest_key")
