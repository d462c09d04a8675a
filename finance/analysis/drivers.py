"""Where the holding loss comes from: its drivers, one at a time (docs/model.md section 6a).

Only the holding schedule (:func:`finance.risk.holding.hold`) runs, never the whole
valuation. The expected holding loss at the company's rate is split *sequentially*, each
driver switched on in turn over the ones before it, so that the parts add up exactly:

1. ``price``: the loss of value of section 6 alone (price erosion, markdowns, expiry and
   the price shocks' timing): ``sum(MV - value_pv)`` with no demand risk and every
   category's aging reserve at 0;
2. ``costs``: that run's costs (selling costs, storage, final-sale discounts);
3. ``demand``: the holding loss with demand risk (still no aging), less 1 + 2;
4. ``age``: the full holding loss (demand risk and the aging reserve), less the one of 3;
5. ``carrying_cost``: the full holding loss at the company's rate less the one on the
   curve (the capital tied up in the stock).

1 to 4 discount on the curve and add up to the summary's ``expected_holding_loss``; with 5
they add up to its ``holding_loss_at_company_rate``. The order matters (aging bites harder
on stock that demand risk leaves unsold); it is the order the model adds the drivers in.

The sensitivity grid reprices the full schedule with every category's ``demand_sigma``
times a scale and ``price_demand_correlation`` set to each of a few values, on one set of
scenarios shared by every point, so that the points differ by the drivers only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from finance.collateral.dynamics import markdown_counts
from finance.collateral.lots import Lots, prepare_lots
from finance.inputs.assumptions import Assumptions
from finance.inputs.categories import AGING_BUCKETS
from finance.market.calendar import month_offsets
from finance.market.curve import DiscountTable, build_discount_table
from finance.market.scenarios import simulate_brownian
from finance.risk.demand import DEMAND_DAY, DemandBins
from finance.risk.holding import HoldingResult, hold, holding_losses

#: The parts of the holding loss at the company's rate, in the order they are added.
PARTS: tuple[str, ...] = ("price", "costs", "demand", "age", "carrying_cost")
#: Factors on every category's ``demand_sigma`` in the sensitivity grid.
DEMAND_SCALES: tuple[float, ...] = (0.0, 0.5, 1.0, 1.5, 2.0)
#: Price-demand correlations of the sensitivity grid (the assumptions' own is added).
DEMAND_CORRELATIONS: tuple[float, ...] = (0.0, 0.5, 0.9)
SENSITIVITY_COLUMNS: tuple[str, ...] = (
    "demand_sigma_scale",
    "price_demand_correlation",
    "expected_holding_loss",
    "holding_loss_p95",
)


@dataclass(frozen=True, slots=True)
class LossDrivers:
    """The expected holding loss split by driver, and the 95% loss against demand risk.

    Money in the assumptions' currency, present value at t0 on the curve unless said.

    Attributes
    ----------
    price : float
        Loss of value of section 6 (no demand risk, no aging reserve): ``sum(MV - value)``.
    costs : float
        Selling costs, storage and final-sale discounts of the same run.
    demand : float
        What demand risk adds to the holding loss (section 6a).
    age : float
        What the aging reserve adds on top of demand risk (section 6a).
    carrying_cost : float
        The full holding loss at the company's rate less the one on the curve.
    market_value : float
        Today's market value of the lots.
    holding_loss : float
        The full expected holding loss on the curve: ``price + costs + demand + age``.
    holding_loss_at_company_rate : float
        The same at the company's effective annual rate: ``holding_loss + carrying_cost``.
    sensitivity : pandas.DataFrame
        One row per (``demand_sigma_scale``, ``price_demand_correlation``):
        ``expected_holding_loss`` and ``holding_loss_p95`` (currency, on the curve), the
        scales :data:`DEMAND_SCALES` of every category's ``demand_sigma`` and the
        correlations :data:`DEMAND_CORRELATIONS` plus the assumptions' own, all on one set
        of scenarios (:func:`demand_sensitivity`); empty when no scale was asked for.
    """

    price: float
    costs: float
    demand: float
    age: float
    carrying_cost: float
    market_value: float
    holding_loss: float
    holding_loss_at_company_rate: float
    sensitivity: pd.DataFrame

    @property
    def parts(self) -> dict[str, float]:
        """The five parts in the order of :data:`PARTS` (they add up to the company rate's)."""
        return {name: float(getattr(self, name)) for name in PARTS}


def _without_aging(assumptions: Assumptions) -> dict:
    """The assumptions' categories with every aging reserve at 0."""
    zeros = (0.0,) * AGING_BUCKETS
    return {
        key: dataclasses.replace(cat, aging_reserve=zeros)
        for key, cat in assumptions.categories.items()
    }


@dataclass(frozen=True, slots=True)
class _Schedule:
    """What every run of the holding schedule of one inventory shares."""

    assumptions: Assumptions
    lots: Lots
    month_days: np.ndarray
    counts: np.ndarray
    curve: DiscountTable

    @classmethod
    def of(cls, lots: pd.DataFrame, assumptions: Assumptions) -> _Schedule:
        a = assumptions
        prepared = prepare_lots(lots, a.categories, a.valuation_date)
        month_days = month_offsets(a.valuation_date, a.horizon_months)
        # The curve covers the last collection; the season-end counts the horizon.
        max_day = int(max(month_days[-1], DEMAND_DAY)) + int(a.trade.dso_days) + 1
        counts = markdown_counts(prepared.categories, a.valuation_date, max_day)
        curve = build_discount_table(a.valuation_date, a.curve_map, max_day)
        return cls(a, prepared, month_days, counts, curve)

    @property
    def demand_sigma(self) -> np.ndarray:
        """Each category's ``demand_sigma``, shape (K,)."""
        return self.lots.category_param("demand_sigma")

    def run(self, demand: DemandBins, lots: Lots | None = None) -> HoldingResult:
        """The schedule of every whole lot (of ``lots``, by default the inventory's)."""
        a = self.assumptions
        on = self.lots if lots is None else lots
        return hold(
            on, self.counts, self.month_days, self.curve, a.discount_rate, a.trade, demand=demand
        )


def loss_drivers(
    lots: pd.DataFrame,
    assumptions: Assumptions,
    *,
    scales: Sequence[float] = DEMAND_SCALES,
    correlations: Sequence[float] = DEMAND_CORRELATIONS,
) -> LossDrivers:
    """Split the expected holding loss by driver and its 95% quantile against demand risk.

    Runs only the holding schedule of docs/model.md sections 6 and 6a ("Where the holding
    loss comes from"), not the whole valuation: three runs for the split, one per point
    of the sensitivity grid (:func:`demand_sensitivity`).

    Parameters
    ----------
    lots : pandas.DataFrame
        Validated inventory from :func:`finance.load_inventory`.
    assumptions : Assumptions
    scales : sequence of float, optional
        Factors on every category's ``demand_sigma`` in the sensitivity grid; empty: no
        grid (an empty ``sensitivity``), the split alone.
    correlations : sequence of float, optional
        ``price_demand_correlation`` values of the grid; the assumptions' own is added
        when not among them.

    Returns
    -------
    LossDrivers
        ``holding_loss`` equals :func:`finance.evaluate.evaluate`'s summary
        ``expected_holding_loss`` and ``holding_loss_at_company_rate`` its namesake.

    Raises
    ------
    InputError
        A lot inconsistent with the assumptions (as :func:`finance.evaluate.evaluate`).
    """
    a = assumptions
    schedule = _Schedule.of(lots, a)
    plain = prepare_lots(lots, _without_aging(a), a.valuation_date)
    bins = DemandBins.of(schedule.demand_sigma, a.price_demand_correlation)
    section_6 = schedule.run(DemandBins.none(len(schedule.lots.category_names)), plain)
    with_demand = schedule.run(bins, plain)
    full = schedule.run(bins)
    base_loss = float(section_6.holding_loss.sum())
    demand_loss = float(with_demand.holding_loss.sum())
    full_loss = float(full.holding_loss.sum())
    at_rate = float(full.holding_loss_at_company_rate.sum())
    return LossDrivers(
        price=float(section_6.expected_loss.sum()),
        costs=float(section_6.costs_pv.sum()),
        demand=demand_loss - base_loss,
        age=full_loss - demand_loss,
        carrying_cost=at_rate - full_loss,
        market_value=float(schedule.lots.market_value.sum()),
        holding_loss=full_loss,
        holding_loss_at_company_rate=at_rate,
        sensitivity=_sensitivity(schedule, scales, correlations),
    )


def demand_sensitivity(
    lots: pd.DataFrame,
    assumptions: Assumptions,
    scales: Sequence[float] = DEMAND_SCALES,
    correlations: Sequence[float] = DEMAND_CORRELATIONS,
) -> pd.DataFrame:
    """The expected and 95% holding loss against demand volatility and its correlation.

    Every category's ``demand_sigma`` times each of ``scales``, with
    ``price_demand_correlation`` each of ``correlations`` and the assumptions' own (docs/
    model.md section 6a), the rest of the model as the assumptions say. Every point is
    read on one set of scenarios (the assumptions' count, seed and price correlation, on
    the month ends and the demand day), so that the points differ by the drivers only,
    not by noise; the full valuation's grid has more days, so its own 95% loss can differ
    slightly from the point of the assumptions' own drivers.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SENSITIVITY_COLUMNS`: ``demand_sigma_scale``,
        ``price_demand_correlation``, ``expected_holding_loss`` and ``holding_loss_p95``
        (currency, PV on the curve), scales outer, correlations ascending inner.
    """
    return _sensitivity(_Schedule.of(lots, assumptions), scales, correlations)


def _sensitivity(
    schedule: _Schedule, scales: Sequence[float], correlations: Sequence[float]
) -> pd.DataFrame:
    a, prepared = schedule.assumptions, schedule.lots
    if not len(scales):
        return pd.DataFrame({c: pd.Series(dtype=np.float64) for c in SENSITIVITY_COLUMNS})
    # One set of scenarios for every point of the grid: month ends and the demand day.
    grid = np.concatenate([schedule.month_days, [DEMAND_DAY]])
    n_categories = len(prepared.category_names)
    scenarios = simulate_brownian(n_categories, a.correlation, grid, a.scenarios, a.seed)
    shocks = scenarios.shocks(prepared.group_category, prepared.group_sigma)
    rhos = sorted({*(float(c) for c in correlations), float(a.price_demand_correlation)})
    rows = []
    for scale in scales:
        shared: tuple[float, float] | None = None
        for rho in rhos:
            bins = DemandBins.of(schedule.demand_sigma * float(scale), rho)
            if bins.n_bins == 1 and shared is not None:
                # No demand risk: the correlation does not enter, the point is the same.
                rows.append((float(scale), rho, *shared))
                continue
            held = schedule.run(bins)
            losses = holding_losses(held, prepared, scenarios, shocks)
            point = (float(held.holding_loss.sum()), float(np.quantile(losses, 0.95)))
            if bins.n_bins == 1:
                shared = point
            rows.append((float(scale), rho, *point))
    return pd.DataFrame(rows, columns=list(SENSITIVITY_COLUMNS))
