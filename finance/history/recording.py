"""Recording a valuation with its alerts against the borrower's last run (docs/model.md 10).

The one way both the command line (``evaluate --db``) and the app (the Export page's save)
record a run: the alerts compare it with the borrower's latest recorded run (none for a
first run) and are stored with it, each with its words in every language.
"""

from __future__ import annotations

from typing import Any

from finance.history.alerts import Alert, alerts, as_record, run_view, view_of
from finance.history.store import Store
from finance.inputs.assumptions import Assumptions
from finance.result import ValuationResult


def record_with_alerts(
    store: Store,
    result: ValuationResult,
    assumptions: Assumptions,
    inventory: bytes,
    *,
    borrower: str,
    user: str,
    inventory_name: str,
) -> tuple[int, list[Alert], list[dict[str, Any]]]:
    """Record ``result`` for ``borrower`` with its alerts; return the run id and the alerts.

    Returns
    -------
    run_id : int
    raised : list of Alert
        The alerts against the borrower's latest run.
    records : list of dict
        The same as stored (:func:`finance.history.alerts.as_record`).

    Raises
    ------
    finance.history.store.StoreError
        When the database cannot be read or written.
    """
    borrower = borrower.strip()
    last = store.previous_run(borrower)
    raised = alerts(
        None if last is None else view_of(last), run_view(result, borrower), assumptions
    )
    records = [as_record(a) for a in raised]
    run_id = store.record_run(
        result,
        assumptions,
        inventory,
        borrower=borrower,
        user=user,
        alerts=records,
        inventory_name=inventory_name,
    )
    return run_id, raised, records
