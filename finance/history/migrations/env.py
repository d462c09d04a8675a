"""Alembic environment: migrate the connection :func:`finance.history.store.open_store` passes.

There is no ``alembic.ini``: the store builds the configuration, opens a transaction (holding
the database's write lock, so that two processes opening a new database at once do not both
create it) and hands its connection over in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from finance.history.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    transactional_ddl=True,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
