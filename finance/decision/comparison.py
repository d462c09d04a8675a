"""The comparison of routes (docs/model.md section 8).

Every row covers the whole inventory: what a route does not take stays held and its
loss counts in that row. Money columns are present values at t0 in the inventory's
currency: ``cash_now``, ``pv_costs`` and the expected losses on the curve, ``npv`` at the
company's discount rate. Each column means the same in every row (docs/model.md
section 7a):

``cash_now``                   cash raised at or near t0 (PV), margin posted at drawdown out
``pv_costs``                   every explicit cost paid to others: selling costs, channel
                               discounts and fees, storage, interest, coupons, fees,
                               issuance costs
``expected_loss_retained``     expected loss of value of the stock and its receivables
                               (price, demand, age, bad debt, waiting for the cash) that the
                               company still bears
``expected_loss_transferred``  the part of that loss others bear
``loss_retained_p95``          95% quantile of the loss the company bears
``npv``                        PV at the company's rate of all the route's cash flows,
                               the eventual sale of the stock included, minus today's MV
``npv_vs_hold``                ``npv`` less hold's
``effective_annual_cost``      annual cost of the financing (NaN where nothing is borrowed)
``funding_value``              curve value of the financing's principal
``rate_effect``                the flows at the company's rate less on the curve
``npv_std_error``              simulation standard error of the row's lead over hold

The identity ``npv = rate_effect + funding_value - pv_costs - expected_loss_retained``
ties them (docs/model.md section 7a).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import pandas as pd

OPTION_COLUMNS: tuple[str, ...] = (
    "option",
    "cash_now",
    "pv_costs",
    "expected_loss_retained",
    "expected_loss_transferred",
    "loss_retained_p95",
    "npv",
    "npv_vs_hold",
    "effective_annual_cost",
    "feasible",
    "notes",
    "funding_value",
    "rate_effect",
    "npv_std_error",
)


@dataclass(frozen=True, slots=True)
class OptionRow:
    """One route's line in the comparison (see the module docstring for units)."""

    option: str
    cash_now: float
    pv_costs: float
    expected_loss_retained: float
    expected_loss_transferred: float
    loss_retained_p95: float
    npv: float
    effective_annual_cost: float
    feasible: bool
    notes: str
    funding_value: float = 0.0
    rate_effect: float = 0.0
    npv_std_error: float = 0.0


def options_table(rows: list[OptionRow]) -> pd.DataFrame:
    """Stack option rows into the comparison table (columns in contract order).

    ``npv_vs_hold`` is each row's ``npv`` less the ``hold`` row's (NaN without one).
    """
    table = pd.DataFrame([asdict(r) for r in rows], columns=[f.name for f in fields(OptionRow)])
    hold = table.loc[table["option"] == "hold", "npv"]
    table["npv_vs_hold"] = table["npv"] - (float(hold.iloc[0]) if len(hold) else float("nan"))
    return table[list(OPTION_COLUMNS)]
