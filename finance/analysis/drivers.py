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
from finance.market.curve import build_discount_table
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
        of scenarios.
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


def loss_drivers(
    lots: pd.DataFrame,
    assumptions: Assumptions,
    *,
    scales: Sequence[float] = DEMAND_SCALES,
    correlations: Sequence[float] = DEMAND_CORRELATIONS,
) -> LossDrivers:
    """Split the expected holding loss by driver and its 95% quantile against demand risk.

    Runs only the holding schedule of docs/model.md sections 6 and 6a ("Where the holding
    loss comes from"), not the whole valuation.

    Parameters
    ----------
    lots : pandas.DataFrame
        Validated inventory from :func:`finance.load_inventory`.
    assumptions : Assumptions
    scales : sequence of float, optional
        Factors on every category's ``demand_sigma`` in the sensitivity grid.
    correlations : sequence of float, optional
        ``price_demand_correlation`` values of the grid; the assumptions' own is added
        when not among them.

    Returns
    -------
    LossDrivers
        ``holding_loss`` equals :func:`finance.evaluate.evaluate`'s summary
        ``expected_holding_loss`` and ``holding_loss_at_company_rate`` its namesake; the
        sensitivity's 95% losses are read on scenarios of their own (the same count and
        seed, a shorter grid), so they can differ slightly from the summary's
        ``holding_loss_p95``.

    Raises
    ------
    InputError
        A lot inconsistent with the assumptions (as :func:`finance.evaluate.evaluate`).
    """
    a = assumptions
    t0 = a.valuation_date
    prepared = prepare_lots(lots, a.categories, t0)
    plain = prepare_lots(lots, _without_aging(a), t0)
    month_days = month_offsets(t0, a.horizon_months)
    # The curve covers the last collection; the season-end counts the horizon and a year.
    max_day = int(max(month_days[-1], DEMAND_DAY)) + int(a.trade.dso_days) + 1
    counts = markdown_counts(prepared.categories, t0, max_day)
    curve = build_discount_table(t0, a.curve_map, max_day)
    demand_sigma = prepared.category_param("demand_sigma")

    def run(on: Lots, demand: DemandBins) -> HoldingResult:
        return hold(on, counts, month_days, curve, a.discount_rate, a.trade, demand=demand)

    n_categories = len(prepared.category_names)
    section_6 = run(plain, DemandBins.none(n_categories))
    with_demand = run(plain, DemandBins.of(demand_sigma, a.price_demand_correlation))
    full = run(prepared, DemandBins.of(demand_sigma, a.price_demand_correlation))
    base_loss = float(section_6.holding_loss.sum())
    demand_loss = float(with_demand.holding_loss.sum())
    full_loss = float(full.holding_loss.sum())
    at_rate = float(full.holding_loss_at_company_rate.sum())

    # One set of scenarios for every point of the grid: month ends and the demand day.
    grid = np.concatenate([month_days, [DEMAND_DAY]])
    scenarios = simulate_brownian(n_categories, a.correlation, grid, a.scenarios, a.seed)
    shocks = scenarios.shocks(prepared.group_category, prepared.group_sigma)
    rhos = sorted({*(float(c) for c in correlations), float(a.price_demand_correlation)})
    rows = []
    for scale in scales:
        shared: tuple[float, float] | None = None
        for rho in rhos:
            bins = DemandBins.of(demand_sigma * float(scale), rho)
            if bins.n_bins == 1 and shared is not None:
                # No demand risk: the correlation does not enter, the point is the same.
                rows.append((float(scale), rho, *shared))
                continue
            held = run(prepared, bins)
            losses = holding_losses(held, prepared, scenarios, shocks)
            point = (float(held.holding_loss.sum()), float(np.quantile(losses, 0.95)))
            if bins.n_bins == 1:
                shared = point
            rows.append((float(scale), rho, *point))
    sensitivity = pd.DataFrame(rows, columns=list(SENSITIVITY_COLUMNS))

    return LossDrivers(
        price=float(section_6.expected_loss.sum()),
        costs=float(section_6.costs_pv.sum()),
        demand=demand_loss - base_loss,
        age=full_loss - demand_loss,
        carrying_cost=at_rate - full_loss,
        market_value=float(prepared.market_value.sum()),
        holding_loss=full_loss,
        holding_loss_at_company_rate=at_rate,
        sensitivity=sensitivity,
    )
