"""Stress and sensitivity: the comparison repriced under shocks, the borrowing base on a grid.

Each stress changes the inputs and reruns :func:`finance.evaluate.evaluate` with the same
seed, so every stressed figure is computed on the same random numbers as the base and the
differences are the stress, not noise:

* ``prices -10% / -20% / -30%``: every lot's selling price falls by that share today (costs
  stay: the lower of cost and market falls with the price);
* ``volatility x1.5``: every category's and every lot's volatility times 1.5;
* ``rates +100bp``: every zero rate of the curve and the company's discount rate up by one
  point (a rise in rates raises the company's cost of capital too).

The sensitivity table recomputes only the lender's side (sections 3 to 5, closed form):
the value-weighted haircut and the borrowing base against the lender's confidence and the
margin period, which with each category's orderly-sale days makes the liquidation horizon.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from finance.collateral.dynamics import markdown_counts
from finance.collateral.eligibility import liquidation_days
from finance.collateral.lots import prepare_lots
from finance.collateral.position import collateral_position
from finance.evaluate import Progress, evaluate
from finance.inputs.assumptions import Assumptions
from finance.inputs.categories import with_overrides
from finance.result import ValuationResult


@dataclass(frozen=True, slots=True)
class Stress:
    """One stress scenario.

    Attributes
    ----------
    name : str
    price_shock : float
        Share by which every selling price falls today, in [0, 1).
    volatility_multiplier : float
        Factor on every volatility.
    rate_shift : float
        Added to every zero rate and to the company's discount rate (decimal).
    """

    name: str
    price_shock: float = 0.0
    volatility_multiplier: float = 1.0
    rate_shift: float = 0.0


STANDARD_STRESSES: tuple[Stress, ...] = (
    Stress("base"),
    Stress("prices -10%", price_shock=0.10),
    Stress("prices -20%", price_shock=0.20),
    Stress("prices -30%", price_shock=0.30),
    Stress("volatility x1.5", volatility_multiplier=1.5),
    Stress("rates +100bp", rate_shift=0.01),
)
CONFIDENCES: tuple[float, ...] = (0.95, 0.975, 0.99, 0.995)
MARGIN_PERIODS: tuple[int, ...] = (7, 14, 30, 60)
COMPARISON_COLUMNS: tuple[str, ...] = (
    "stress", "option", "cash_now", "npv", "npv_vs_base_value", "expected_loss_retained",
    "loss_retained_p95", "effective_annual_cost", "feasible", "recommended",
)  # fmt: skip


def apply_stress(
    lots: pd.DataFrame, assumptions: Assumptions, stress: Stress
) -> tuple[pd.DataFrame, Assumptions]:
    """Return the lots and assumptions with the stress applied (inputs are not modified)."""
    stressed = lots.copy()
    stressed.attrs = dict(lots.attrs)
    if stress.price_shock:
        stressed["unit_price"] = stressed["unit_price"] * (1.0 - stress.price_shock)
    categories = assumptions.categories
    if stress.volatility_multiplier != 1.0:
        m = stress.volatility_multiplier
        stressed["sigma"] = stressed["sigma"] * m  # NaN (no override) stays NaN
        categories = {k: with_overrides(c, sigma=c.sigma * m) for k, c in categories.items()}
    curve = tuple((tenor, rate + stress.rate_shift) for tenor, rate in assumptions.curve)
    changed = dataclasses.replace(
        assumptions,
        categories=categories,
        curve=curve,
        discount_rate=assumptions.discount_rate + stress.rate_shift,
    )
    return stressed, changed


@dataclass(frozen=True, eq=False)
class StressResult:
    """The comparison under each stress.

    Attributes
    ----------
    comparison : pandas.DataFrame
        One row per stress and option: ``COMPARISON_COLUMNS``. ``npv`` is measured against
        the stressed market value, as in the comparison table; ``npv_vs_base_value``
        against the unstressed one, so a fall in prices today shows as a loss.
    headline : pandas.DataFrame
        One row per stress: market value, borrowing base, expected holding loss and its
        95% quantile, the pledge's margin-call probability, the recommended option.
    sensitivity : pandas.DataFrame
        :func:`haircut_sensitivity` of the base inputs.
    """

    comparison: pd.DataFrame
    headline: pd.DataFrame
    sensitivity: pd.DataFrame


def stress_test(
    lots: pd.DataFrame,
    assumptions: Assumptions,
    stresses: Sequence[Stress] = STANDARD_STRESSES,
    *,
    base: ValuationResult | None = None,
    progress: Progress | None = None,
) -> StressResult:
    """Reprice the comparison under each stress, on the base's random numbers.

    Parameters
    ----------
    lots : pandas.DataFrame
        Validated inventory.
    assumptions : Assumptions
    stresses : sequence of Stress
        Default: :data:`STANDARD_STRESSES`.
    base : ValuationResult, optional
        The unstressed result when already computed (reused for the ``base`` stress).
    progress : callable, optional
        Called with (fraction done, stress name).
    """
    comparison, headline = [], []
    base_value = float((lots["quantity"] * lots["unit_price"]).sum())
    for i, stress in enumerate(stresses):
        if progress is not None:
            progress(i / len(stresses), stress.name)
        unstressed = stress == Stress(stress.name)
        if unstressed and base is not None:
            result = base
        else:
            result = evaluate(*apply_stress(lots, assumptions, stress))
        chosen = result.summary["recommended_option"]
        table = result.options.assign(
            stress=stress.name,
            recommended=result.options["option"] == chosen,
            npv_vs_base_value=result.options["npv"] + result.summary["market_value"] - base_value,
        )
        comparison.append(table[list(COMPARISON_COLUMNS)])
        s = result.summary
        headline.append(
            {
                "stress": stress.name,
                "market_value": s["market_value"],
                "borrowing_base": s["borrowing_base"],
                "expected_holding_loss": s["expected_holding_loss"],
                "holding_loss_p95": s["holding_loss_p95"],
                "margin_call_probability": s["margin_call_probability"],
                "recommended_option": chosen,
            }
        )
    if progress is not None:
        progress(1.0, "done")
    return StressResult(
        comparison=pd.concat(comparison, ignore_index=True),
        headline=pd.DataFrame(headline),
        sensitivity=haircut_sensitivity(lots, assumptions),
    )


def haircut_sensitivity(
    lots: pd.DataFrame,
    assumptions: Assumptions,
    confidences: Sequence[float] = CONFIDENCES,
    margin_periods: Sequence[int] = MARGIN_PERIODS,
) -> pd.DataFrame:
    """Haircut and borrowing base against the lender's confidence and margin period.

    Returns
    -------
    pandas.DataFrame
        One row per (confidence, margin period): ``confidence``, ``margin_period_days``,
        ``liquidation_days`` (value-weighted mean T_m + T_o of the eligible lots),
        ``eligible_value``, ``weighted_haircut``, ``volatility_limit`` (what the haircut
        alone would lend, sum of MV (1 - h) over eligible lots) and ``borrowing_base``
        (after the lesser-of rule and concentration: often bound by cost or NOLV).
    """
    a = assumptions
    prepared = prepare_lots(lots, a.categories, a.valuation_date)
    longest = int(liquidation_days(prepared, max(margin_periods)).max(initial=0))
    counts = markdown_counts(prepared.categories, a.valuation_date, longest + 1)
    rows = []
    for confidence in confidences:
        for margin in margin_periods:
            position = collateral_position(
                prepared,
                counts,
                confidence=confidence,
                margin_period_days=margin,
                nolv_advance=a.nolv_advance,
                concentration_limit=a.concentration_limit,
            )
            weights = position.values.market_value * position.eligible
            horizon = (
                float((position.liquidation_days * weights).sum() / weights.sum())
                if weights.sum()
                else float(margin)
            )
            rows.append(
                {
                    "confidence": confidence,
                    "margin_period_days": margin,
                    "liquidation_days": horizon,
                    "eligible_value": position.eligible_value,
                    "weighted_haircut": position.weighted_haircut,
                    "volatility_limit": float(
                        (position.values.market_value * (1.0 - position.haircut))[
                            position.eligible
                        ].sum()
                    ),
                    "borrowing_base": position.lend.borrowing_base,
                }
            )
    return pd.DataFrame(rows)
