"""Alembic migrations of the run history, applied by :func:`finance.history.store.open_store`."""
