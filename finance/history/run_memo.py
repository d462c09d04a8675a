"""The credit memo of a recorded run (docs/model.md section 10).

The store keeps a run's tables, not its scenarios, which the memo's charts need: the run's
stored inputs are valued again, which gives its stored figures (a run is reproducible), and
the memo's first page names the run.
"""

from __future__ import annotations

import datetime as dt

from finance.evaluate import evaluate
from finance.history.store import StoredRun
from finance.report.memo import credit_memo


def run_identity(run: StoredRun) -> dict[str, str]:
    """A stored run's identity, as the credit memo's first page shows it."""
    created = run.created_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return {
        "run_id": str(run.id),
        "borrower": run.borrower,
        "user": run.user,
        "created_at": created,
        "inventory_file": run.inventory_name,
        "inventory_hash": run.inventory_sha256,
        "assumptions_hash": run.assumptions_sha256,
        "package_version": run.package_version,
    }


def run_memo(run: StoredRun, lang: str = "en") -> bytes:
    """The PDF credit memo of ``run`` in ``lang``, its figures valued again from its inputs.

    Raises
    ------
    finance.report.memo.FontNotFoundError
        When no CJK font is installed.
    """
    assumptions = run.load_assumptions()
    result = evaluate(run.load_inventory(assumptions), assumptions)
    return credit_memo(result, assumptions, lang=lang, identity=run_identity(run))
