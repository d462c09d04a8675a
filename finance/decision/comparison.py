"""The comparison of routes (MODEL.md section 8) and the recommendation.

Every row covers the whole inventory: what a route does not take stays held and its
holding loss counts in that row. Money columns are present values at t0 in the
inventory's currency: ``cash_now``, ``pv_costs`` and the expected losses on the curve,
``npv`` at the company's discount rate.

Column meanings:

``cash_now``                   cash raised at or near t0 (PV)
``pv_costs``                   what the route charges: fees, interest, discounts given up,
                               storage of stock still held
``expected_loss_retained``     expected loss of value the company still bears (includes
                               the storage of stock it keeps, as MODEL.md section 6 does)
``expected_loss_transferred``  expected holding loss handed to buyers, lenders or investors
``loss_retained_p95``          95% quantile of the loss the company bears
``npv``                        PV at the company's rate of all the route's cash flows,
                               the eventual sale of the stock included, minus today's MV
``effective_annual_cost``      annual cost of the financing (NaN where nothing is borrowed)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd

OPTION_COLUMNS: tuple[str, ...] = (
    "option",
    "cash_now",
    "pv_costs",
    "expected_loss_retained",
    "expected_loss_transferred",
    "loss_retained_p95",
    "npv",
    "effective_annual_cost",
    "feasible",
    "notes",
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


def options_table(rows: list[OptionRow]) -> pd.DataFrame:
    """Stack option rows into the comparison table (columns in contract order)."""
    return pd.DataFrame([asdict(r) for r in rows], columns=list(OPTION_COLUMNS))


@dataclass(frozen=True, slots=True)
class Recommendation:
    """The recommended route and why: one English sentence and its parts.

    Attributes
    ----------
    option : str
        The recommended option ("" when none is feasible).
    reason : str
        Why, in one English sentence.
    kind : str
        ``none_feasible``, ``target_out_of_reach`` (the option raises the most cash),
        ``only`` (the only feasible route raising the target), ``beats`` or ``ties`` (best
        NPV ahead of, or level with, ``runner_up``).
    runner_up : str
        The next best option by NPV ("" when there is none).
    margin : float
        NPV lead over the runner-up, currency (0 when there is none).
    npv, cash_now : float
        The recommended option's NPV and cash raised now, currency.
    """

    option: str
    reason: str
    kind: str = ""
    runner_up: str = ""
    margin: float = 0.0
    npv: float = float("nan")
    cash_now: float = float("nan")


def recommend(
    table: pd.DataFrame,
    cash_target: float,
    currency: str = "CNY",
    discount_rate: float | None = None,
) -> Recommendation:
    """Recommend the feasible option with the best ``npv`` that raises ``cash_target``.

    With no feasible option raising the target, recommend the feasible one raising the
    most cash and say that the target is out of reach. Given the company's
    ``discount_rate``, the sentence names it: the NPVs value cash at that rate.
    """
    feasible = table[table["feasible"].astype(bool)]
    if feasible.empty:
        return Recommendation("", "No option is feasible for this inventory.", "none_feasible")
    raising = feasible[feasible["cash_now"] >= cash_target - 1e-6]
    if raising.empty:
        best = feasible.loc[feasible["cash_now"].idxmax()]
        return Recommendation(
            str(best["option"]),
            f"No option raises the target of {currency} {cash_target:,.0f}; "
            f"{best['option']} raises the most, {currency} {best['cash_now']:,.0f}.",
            "target_out_of_reach",
            npv=float(best["npv"]),
            cash_now=float(best["cash_now"]),
        )
    best = raising.loc[raising["npv"].idxmax()]
    rate = "" if discount_rate is None else f" at the company's {discount_rate:.1%} cost of capital"
    target = "" if cash_target <= 0 else f" among those raising {currency} {cash_target:,.0f}"
    others = raising[raising["option"] != best["option"]]
    kind, runner_up, gap = "only", "", 0.0
    if others.empty:
        why = "it is the only feasible route"
    else:
        runner = others.loc[others["npv"].idxmax()]
        runner_up, gap = str(runner["option"]), float(best["npv"] - runner["npv"])
        kind = "beats"
        why = f"it beats the next best, {runner_up}, by {currency} {gap:,.0f}"
        if math.isclose(gap, 0.0, abs_tol=0.5):
            kind, why = "ties", f"it ties with {runner_up}"
    return Recommendation(
        str(best["option"]),
        f"{best['option']} has the best net present value{rate}{target} "
        f"({currency} {best['npv']:,.0f}): {why}.",
        kind,
        runner_up,
        gap,
        float(best["npv"]),
        float(best["cash_now"]),
    )
