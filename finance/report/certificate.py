"""The borrowing-base certificate: the lender's one-page walk from stock to availability.

The lines follow an asset-based lender's inventory certificate: gross inventory, less each
class of ineligible stock, eligible inventory, the lesser-of rule (volatility haircut, cost
advance, NOLV advance: docs/model.md section 5), less the concentration excess, the borrowing
base, less the loan, availability. Amounts are in the valuation's currency at t0; every
subtotal is the sum of the lines above it, so the certificate adds up to the cent.
"""

from __future__ import annotations

import pandas as pd

from finance.collateral.borrowing_base import LIMITS
from finance.collateral.eligibility import REASONS
from finance.result import ValuationResult

#: Columns of the certificate (see :func:`borrowing_base_certificate`).
CERTIFICATE_COLUMNS: tuple[str, ...] = ("line", "kind", "lots", "amount")


def borrowing_base_certificate(result: ValuationResult) -> pd.DataFrame:
    """Return the borrowing-base certificate of a valuation.

    Parameters
    ----------
    result : ValuationResult

    Returns
    -------
    pandas.DataFrame
        Columns ``line`` (a stable key: ``gross_inventory``, ``ineligible_<reason>``,
        ``eligible_inventory``, ``eligible_book_value``, ``limit_<haircut|cost|nolv>``,
        ``lendable_before_concentration``, ``concentration_excess``, ``borrowing_base``,
        ``loan``, ``availability``, ``advance_rate``), ``kind`` (``item``, ``less``,
        ``total``, ``memo`` or ``ratio``), ``lots`` (lots on the line, Int64, NA where
        lots do not apply) and ``amount``
        (currency; deductions negative; ``advance_rate`` is the borrowing base over the
        eligible inventory).
    """
    lots = result.lots
    eligible = lots["eligible"].to_numpy(bool)
    mv = lots["market_value"]
    rows: list[tuple[str, str, int | None, float]] = [
        ("gross_inventory", "item", len(lots), float(mv.sum()))
    ]
    for reason in REASONS:
        mask = lots["ineligible_reason"] == reason
        if mask.any():
            rows.append(
                (f"ineligible_{reason}", "less", int(mask.sum()), -float(mv[mask].sum()) + 0.0)
            )
    eligible_value = float(mv[eligible].sum())
    n_eligible = int(eligible.sum())
    rows.append(("eligible_inventory", "total", n_eligible, eligible_value))
    rows.append(
        (
            "eligible_book_value",
            "memo",
            n_eligible,
            float(lots["book_value"][eligible].sum()),
        )
    )
    before = lots["lendable_value"] + lots["concentration_excess"]
    for limit in LIMITS:
        mask = eligible & (lots["binding_limit"] == limit).to_numpy()
        rows.append((f"limit_{limit}", "item", int(mask.sum()), float(before[mask].sum())))
    rows.append(("lendable_before_concentration", "total", n_eligible, float(before.sum())))
    excess = lots["concentration_excess"]
    rows.append(
        ("concentration_excess", "less", int((excess > 0).sum()), -float(excess.sum()) + 0.0)
    )
    base = float(lots["lendable_value"].sum())
    rows.append(("borrowing_base", "total", n_eligible, base))
    loan = float(result.pledge_loan.loan)
    rows.append(("loan", "less", None, -loan + 0.0))
    rows.append(("availability", "total", None, base - loan))
    rows.append(
        (
            "advance_rate",
            "ratio",
            None,
            base / eligible_value if eligible_value > 0 else float("nan"),
        )
    )
    table = pd.DataFrame(rows, columns=list(CERTIFICATE_COLUMNS))
    table["lots"] = table["lots"].astype("Int64")
    return table
