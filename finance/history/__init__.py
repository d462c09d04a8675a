"""The lender's view over time (docs/model.md section 10).

The run history (:mod:`finance.history.store`, SQLAlchemy with Alembic migrations), and pure
functions on runs' results: :func:`rollforward` reconciles two runs' lots tables;
:func:`alerts` compares a run with the borrower's previous one.
"""

from finance.history.alerts import (
    CODES,
    Alert,
    RunView,
    alert_message,
    alert_record,
    alerts,
    run_view,
    stored_view,
)
from finance.history.rollforward import COLUMNS, for_presentation, movements, rollforward

__all__ = [
    "CODES",
    "COLUMNS",
    "Alert",
    "RunView",
    "alert_message",
    "alert_record",
    "alerts",
    "for_presentation",
    "movements",
    "rollforward",
    "run_view",
    "stored_view",
]
