"""Where a browser like came from: the page's URL and title, the tool, the source of the exact value

A like from the browser extension (``via = 'browser'``) keeps the page it was made on (``url``,
``page_title``), the tool the page belongs to (``tool``: tensorboard, mlflow, jupyterlab, or NULL
for a page read by the generic rules) and, when the displayed digits were a rounding of the logged
number, where the exact value came from (``exact_from``: ``tensorboard:scalars``,
``mlflow:runs/get``). The popup's list of last likes and undo select on these columns.

Revision ID: 0014_browser_likes
Revises: 0013_published_report
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_browser_likes"
down_revision = "0013_published_report"
branch_labels = None
depends_on = None

COLUMNS = ("url", "page_title", "tool", "exact_from")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("capture", sa.Column(name, sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("capture") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
