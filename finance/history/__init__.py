"""The lender's view over time (docs/model.md section 10).

The run history (:mod:`finance.history.store`, SQLAlchemy with Alembic migrations), and pure
functions on runs' results: :func:`rollforward` reconciles two runs' lots tables;
:func:`alerts` compares a run with the borrower's previous one.
"""

from finance.history.alerts import (
    CODES,
    Alert,
    RunView,
    alerts,
    as_record,
    record_message,
    run_view,
    view_of,
)
from finance.history.rollforward import COLUMNS, for_presentation, movements, rollforward

__all__ = [
    "CODES",
    "COLUMNS",
    "Alert",
    "RunView",
    "alerts",
    "as_record",
    "for_presentation",
    "movements",
    "record_message",
    "rollforward",
    "run_view",
    "view_of",
]
