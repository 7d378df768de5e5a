"""Alembic environment: runs on the connection :func:`runnotes.store.db.migrate` hands over."""

from alembic import context
from sqlmodel import SQLModel

import runnotes.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
context.run_migrations()
