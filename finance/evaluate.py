"""``evaluate``: from validated lots and assumptions to the valuation result.

Pure: no I/O and no process state other than QuantLib's, which every call takes under the
lock and restores. The steps follow MODEL.md: collateral values (3), eligibility (4),
haircuts and lendable value (5), holding loss (6), and the routes compared (7, 8).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from finance.assumptions import Assumptions
from finance.borrowing_base import lendable_values
from finance.calendar import month_offsets
from finance.categories import categories_frame
from finance.channels import load_channels
from finance.collateral import collateral_values
from finance.curve import build_discount_table
from finance.dynamics import markdown_counts
from finance.eligibility import REASONS, ineligible_reasons, liquidation_days
from finance.haircut import basel_haircut, lognormal_haircut, lot_haircuts, portfolio_haircut
from finance.holding import HoldingResult, hold
from finance.lots import NO_EXPIRY, Lots, prepare_lots
from finance.options import OptionRow, Recommendation, options_table, recommend
from finance.regulatory import firb_lgd
from finance.scenarios import simulate_brownian
from finance.structures.liquidate import ChannelPlan, plan_channels

#: Progress callback: (fraction done in [0, 1], what is being done).
Progress = Callable[[float, str], None]

LOT_COLUMNS: tuple[str, ...] = (
    "sku",
    "category",
    "quantity",
    "unit_cost",
    "unit_price",
    "age_days",
    "market_value",
    "nrv",
    "book_value",
    "olv",
    "flv",
    "eligible",
    "ineligible_reason",
    "haircut",
    "basel_haircut",
    "advance_rate",
    "binding_limit",
    "lendable_value",
    "concentration_excess",
    "expected_holding_loss",
)
EXTRA_LOT_COLUMNS: tuple[str, ...] = (
    "row",
    "description",
    "warehouse",
    "unit",
    "days_to_expiry",
    "liquidation_days",
)


@dataclass(frozen=True, eq=False)
class ValuationResult:
    """What ``evaluate`` returns.

    Attributes
    ----------
    lots : pandas.DataFrame
        One row per lot: the ``lots.csv`` columns of CONTRACT.md, then extras.
    options : pandas.DataFrame
        One row per route (MODEL.md section 8).
    summary : dict
        Headline figures (CONTRACT.md summary keys and more).
    haircuts : pandas.DataFrame
        Per category: parameters, liquidation horizon, haircut and Basel haircut.
    channels : pandas.DataFrame
        The liquidation's allocation to clearance channels.
    holding_losses : numpy.ndarray
        Portfolio holding loss per scenario (currency), for its distribution.
    assumptions : Assumptions
    """

    lots: pd.DataFrame
    options: pd.DataFrame
    summary: dict[str, Any]
    haircuts: pd.DataFrame
    channels: pd.DataFrame
    holding_losses: np.ndarray
    assumptions: Assumptions = field(repr=False)

    def to_csv(self, folder: str | Path) -> list[Path]:
        """Write ``lots.csv`` and ``options.csv`` (UTF-8 with BOM) into ``folder``."""
        from finance.export import write_csvs

        return write_csvs(self, Path(folder))

    def to_excel(self, path: str | Path) -> Path:
        """Write the formatted workbook (Summary, Lots, Options, Haircuts, Assumptions)."""
        from finance.export import write_workbook

        return write_workbook(self, Path(path))


def _horizon_day(assumptions: Assumptions, lots: Lots, liquidation: np.ndarray) -> int:
    """Largest day any computation looks at, with room for channel payment terms."""
    longest = max(int(liquidation.max(initial=0)), int(lots.param("orderly_days").max(initial=0)))
    return int(max(longest, 31 * assumptions.horizon_months + 31) + 400)


def _hold_row(held: HoldingResult, losses: np.ndarray) -> OptionRow:
    return OptionRow(
        option="hold",
        cash_now=0.0,
        pv_costs=float(held.storage_pv.sum()),
        expected_loss_retained=float(held.expected_loss.sum()),
        expected_loss_transferred=0.0,
        loss_retained_p95=float(np.quantile(losses, 0.95)),
        npv=float(held.npv.sum()),
        effective_annual_cost=float("nan"),
        feasible=True,
        notes="keeps all stock and sells it in the normal course; no cash now",
    )


def _liquidate_row(
    lots: Lots,
    plan: ChannelPlan,
    full: HoldingResult,
    rest: HoldingResult,
    rest_losses: np.ndarray,
) -> OptionRow:
    share = plan.sold_share[lots.category]
    market_value = lots.market_value
    sold_value = float((market_value * share).sum())
    cash = float((market_value * plan.cash_rate[lots.category]).sum())
    company_cash = float((market_value * plan.company_cash_rate[lots.category]).sum())
    given_up = float((market_value * plan.cost_rate[lots.category]).sum())
    total = float(market_value.sum())
    placed = sold_value / total if total else 0.0
    notes = f"{placed:.0%} of market value sold through clearance channels now"
    if placed < 1:
        notes += "; the rest is held and sold in the normal course"
    return OptionRow(
        option="liquidate",
        cash_now=cash,
        pv_costs=given_up + float(rest.storage_pv.sum()),
        expected_loss_retained=float(rest.expected_loss.sum()),
        expected_loss_transferred=float(full.expected_loss.sum() - rest.expected_loss.sum()),
        loss_retained_p95=float(np.quantile(rest_losses, 0.95)),
        npv=company_cash + float(rest.npv.sum()) - sold_value,
        effective_annual_cost=float("nan"),
        feasible=sold_value > 0,
        notes=notes if sold_value > 0 else "no channel takes this stock",
    )


def _lots_table(
    frame: pd.DataFrame,
    lots: Lots,
    values: Any,
    reasons: np.ndarray,
    haircut: np.ndarray,
    basel: np.ndarray,
    lend: Any,
    held: HoldingResult,
    liquidation: np.ndarray,
) -> pd.DataFrame:
    days_to_expiry = np.where(lots.expiry_day >= NO_EXPIRY // 2, np.nan, lots.expiry_day)
    table = pd.DataFrame(
        {
            "sku": frame["sku"].to_numpy(),
            "category": frame["category"].to_numpy(),
            "quantity": lots.quantity,
            "unit_cost": lots.unit_cost,
            "unit_price": lots.unit_price,
            "age_days": lots.age_days,
            "market_value": values.market_value,
            "nrv": values.nrv,
            "book_value": values.book_value,
            "olv": values.olv,
            "flv": values.flv,
            "eligible": reasons == "",
            "ineligible_reason": reasons.astype(str),
            "haircut": haircut,
            "basel_haircut": basel,
            "advance_rate": 1.0 - haircut,
            "binding_limit": lend.binding_limit.astype(str),
            "lendable_value": lend.lendable,
            "concentration_excess": lend.concentration_excess,
            "expected_holding_loss": held.expected_loss,
            "row": np.asarray(frame.index, dtype=np.int64),
            "description": frame["description"].to_numpy(),
            "warehouse": frame["warehouse"].to_numpy(),
            "unit": frame["unit"].to_numpy(),
            "days_to_expiry": days_to_expiry,
            "liquidation_days": liquidation,
        }
    )
    return table


def _haircut_table(assumptions: Assumptions, lots: Lots) -> pd.DataFrame:
    table = categories_frame(assumptions.categories)
    horizon = assumptions.margin_period_days + table["orderly_days"].to_numpy()
    table.insert(1, "liquidation_days", horizon)
    table.insert(
        2,
        "volatility_haircut",
        lognormal_haircut(table["sigma"].to_numpy(), horizon / 365.0, assumptions.confidence),
    )
    table.insert(
        3, "basel_haircut", basel_haircut(table["sigma"].to_numpy(), assumptions.revaluation_days)
    )
    per_category = np.bincount(lots.category, minlength=len(lots.category_names))
    count_of = dict(zip(lots.category_names, per_category, strict=True))
    table.insert(1, "lots", [int(count_of.get(name, 0)) for name in table["category"]])
    return table


def evaluate(
    lots: pd.DataFrame,
    assumptions: Assumptions,
    *,
    progress: Progress | None = None,
) -> ValuationResult:
    """Value the inventory as collateral and compare the routes to cash.

    Parameters
    ----------
    lots : pandas.DataFrame
        Validated inventory from :func:`finance.load_inventory`.
    assumptions : Assumptions
        From :func:`finance.load_assumptions`.
    progress : callable, optional
        Called with (fraction done, step name) as the evaluation advances.

    Returns
    -------
    ValuationResult

    Raises
    ------
    InputError
        A lot inconsistent with the assumptions (received after the valuation date, a
        category the table lacks), naming its row.
    """

    def report(done: float, step: str) -> None:
        if progress is not None:
            progress(done, step)

    a = assumptions
    t0 = a.valuation_date
    report(0.0, "preparing lots")
    prepared = prepare_lots(lots, a.categories, t0)
    liquidation = liquidation_days(prepared, a.margin_period_days)
    month_days = month_offsets(t0, a.horizon_months)
    max_day = _horizon_day(a, prepared, liquidation)
    counts = markdown_counts(prepared.categories, t0, max_day)
    curve = build_discount_table(t0, a.curve_map, max_day)

    report(0.1, "collateral values and haircuts")
    values = collateral_values(prepared, counts)
    reasons = ineligible_reasons(prepared, a.margin_period_days)
    eligible = reasons == ""
    haircut = lot_haircuts(prepared, counts, liquidation, a.confidence)
    basel = basel_haircut(prepared.sigma, a.revaluation_days)
    lend = lendable_values(
        values.market_value,
        haircut,
        values.book_value,
        prepared.param("cost_advance"),
        values.olv,
        a.nolv_advance,
        eligible,
        a.concentration_limit,
    )

    report(0.3, "simulating prices")
    scenarios = simulate_brownian(
        len(prepared.categories),
        a.correlation,
        np.concatenate([month_days, np.unique(liquidation)]),
        a.scenarios,
        a.seed,
    )
    shocks = scenarios.shocks(prepared.group_category, prepared.group_sigma)
    port_haircut = portfolio_haircut(
        prepared, counts, liquidation, eligible, scenarios, shocks, a.confidence
    )

    report(0.5, "holding loss")
    held = hold(prepared, counts, month_days, curve, a.discount_rate)
    group_losses = held.group_losses(scenarios, shocks)
    losses = group_losses.sum(axis=1)

    report(0.7, "liquidation through channels")
    plan = plan_channels(
        load_channels(), prepared.category_names, a.liquidate.channels, curve, a.discount_rate
    )
    rest_quantity = prepared.quantity * (1.0 - plan.sold_share[prepared.category])
    rest = hold(prepared, counts, month_days, curve, a.discount_rate, quantity=rest_quantity)
    rest_losses = rest.group_losses(scenarios, shocks).sum(axis=1)

    rows = [_hold_row(held, losses), _liquidate_row(prepared, plan, held, rest, rest_losses)]
    options = options_table(rows)
    choice: Recommendation = recommend(options, a.cash_target, a.currency)

    report(0.9, "tables")
    table = _lots_table(lots, prepared, values, reasons, haircut, basel, lend, held, liquidation)
    market_value = float(values.market_value.sum())
    eligible_value = float(values.market_value[eligible].sum())
    borrowing_base = lend.borrowing_base
    loan = min(a.pledge_loan.requested or borrowing_base, borrowing_base)
    by_reason = {r: float(values.market_value[reasons == r].sum()) for r in REASONS}
    weights = values.market_value * eligible
    summary: dict[str, Any] = {
        "valuation_date": t0.isoformat(),
        "currency": a.currency,
        "lots": len(prepared),
        "market_value": market_value,
        "book_value": float(values.book_value.sum()),
        "nrv": float(values.nrv.sum()),
        "olv": float(values.olv.sum()),
        "flv": float(values.flv.sum()),
        "eligible_value": eligible_value,
        "ineligible_value": market_value - eligible_value,
        "ineligible_by_reason": by_reason,
        "concentration_excess": float(lend.concentration_excess.sum()),
        "borrowing_base": borrowing_base,
        "portfolio_haircut": port_haircut,
        "weighted_lot_haircut": float((haircut * weights).sum() / weights.sum())
        if weights.sum()
        else 0.0,
        "expected_holding_loss": float(held.expected_loss.sum()),
        "holding_loss_p95": float(np.quantile(losses, 0.95)),
        "holding_loss_p99": float(np.quantile(losses, 0.99)),
        "holding_loss_mean_simulated": float(losses.mean()),
        "holding_loss_std_error": float(losses.std(ddof=1) / np.sqrt(len(losses))),
        "pledge_regulatory_lgd": firb_lgd(loan, eligible_value),
        "recommended_option": choice.option,
        "recommendation": choice.reason,
        "cash_target": a.cash_target,
        "scenarios": a.scenarios,
        "seed": a.seed,
    }
    report(1.0, "done")
    return ValuationResult(
        lots=table,
        options=options,
        summary=summary,
        haircuts=_haircut_table(a, prepared),
        channels=plan.allocation,
        holding_losses=losses,
        assumptions=a,
    )
