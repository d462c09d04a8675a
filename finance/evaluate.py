"""``evaluate``: from validated lots and assumptions to the valuation result.

Pure: no I/O and no process state other than QuantLib's, which every call takes under the
lock and restores. A short pipeline over the layers (docs/model.md): collateral values
(3), eligibility (4), haircuts and lendable value (5), the holding schedule (6), the five
routes on one ledger and one set of scenarios (7, 7a), the mix (8a) and the
recommendation (8b).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from finance.collateral.borrowing_base import LIMITS
from finance.collateral.dynamics import markdown_counts
from finance.collateral.eligibility import REASONS, liquidation_days
from finance.collateral.haircut import (
    basel_haircut,
    liquidation_proceeds,
    lognormal_haircut,
    portfolio_haircut,
)
from finance.collateral.lots import NO_EXPIRY, Lots, prepare_lots
from finance.collateral.position import collateral_position
from finance.decision.comparison import options_table
from finance.decision.mix import value_mix
from finance.decision.recommendation import Recommendation, recommend
from finance.inputs.assumptions import Assumptions
from finance.inputs.categories import categories_frame
from finance.inputs.channels import effective_channels
from finance.market.budget import SimulationSize, check_budget
from finance.market.calendar import month_offsets, payment_dates
from finance.market.curve import build_discount_table, flat_discount
from finance.market.scenarios import simulate_brownian
from finance.market.shared import SharedScenarios
from finance.result import EXTRA_LOT_COLUMNS, LOT_COLUMNS, ValuationResult
from finance.risk.demand import DEMAND_DAY, DemandBins
from finance.risk.holding import HoldingResult, hold, holding_losses
from finance.routes.liquidate import ChannelPlan, plan_channels
from finance.routes.pledge_loan import LoanDates, loan_dates
from finance.routes.rows import hold_notes, ledger_row, route_terms, trust_coupon
from finance.routes.valuation import FINANCING_ROUTES, RouteValuation

__all__ = [
    "EXTRA_LOT_COLUMNS",
    "LOT_COLUMNS",
    "Progress",
    "ScenarioDays",
    "ValuationResult",
    "evaluate",
    "scenario_days",
]

#: Progress callback: (fraction done in [0, 1], what is being done).
Progress = Callable[[float, str], None]


def _text_column(frame: pd.DataFrame, name: str) -> Any:
    """A free-text column of the inventory as read, or blanks when the frame has none."""
    if name in frame:
        return frame[name].array
    return pd.array(pa.repeat("", len(frame)), dtype="str")


def _short_text(codes: np.ndarray, choices: tuple[str, ...]) -> Any:
    """A text column of a few known values from their codes, through an Arrow dictionary.

    Far faster than converting a million Python strings one by one.
    """
    dictionary = pa.DictionaryArray.from_arrays(
        pa.array(codes.astype(np.int32)), pa.array(list(choices))
    )
    return pd.array(dictionary.cast(pa.string()), dtype="str")


def _lots_table(
    frame: pd.DataFrame,
    lots: Lots,
    values: Any,
    codes: np.ndarray,
    haircut: np.ndarray,
    basel: np.ndarray,
    lend: Any,
    held: HoldingResult,
    liquidation: np.ndarray,
) -> pd.DataFrame:
    days_to_expiry = np.where(lots.expiry_day >= NO_EXPIRY // 2, np.nan, lots.expiry_day)
    table = pd.DataFrame(
        {
            "sku": frame["sku"].array,
            "category": frame["category"].array,
            "quantity": lots.quantity,
            "unit_cost": lots.unit_cost,
            "unit_price": lots.unit_price,
            "age_days": lots.age_days,
            "market_value": values.market_value,
            "nrv": values.nrv,
            "book_value": values.book_value,
            "olv": values.olv,
            "flv": values.flv,
            "eligible": codes == 0,
            "ineligible_reason": _short_text(codes, ("", *REASONS)),
            "haircut": haircut,
            "basel_haircut": basel,
            "advance_rate": 1.0 - haircut,
            "binding_limit": _short_text(lend.limit_codes, ("", *LIMITS)),
            "lendable_value": lend.lendable,
            "concentration_excess": lend.concentration_excess,
            "expected_holding_loss": held.holding_loss,
            "row": np.asarray(frame.index, dtype=np.int64),
            # As read; "" when the file has none (or the frame, built in Python, lacks it).
            "batch": _text_column(frame, "batch"),
            "warehouse": _text_column(frame, "warehouse"),
            "description": _text_column(frame, "description"),
            "unit": _text_column(frame, "unit"),
            "days_to_expiry": days_to_expiry,
            "liquidation_days": liquidation,
        },
        # The columns are this valuation's own arrays: taken as they are, not stacked into
        # one block (a copy of the whole table, 0.3 s at a million lots).
        copy=False,
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


@dataclass(frozen=True, eq=False)
class ScenarioDays:
    """The days a valuation's scenarios are simulated on, and what they are made of.

    Attributes
    ----------
    categories : tuple of str
        The valuation's categories (the scenarios' category axis).
    liquidation : numpy.ndarray of int64, shape (N,)
        Each lot's liquidation horizon in days.
    horizons : numpy.ndarray of int64, shape (K,)
        Each category's liquidation horizon (the pledge loan's moves after a default).
    month_days : numpy.ndarray of int64
        The holding schedule's month ends.
    calendar : LoanDates
        The pledge loan's dates.
    trust_day : int
        The receipt trust's maturity.
    demand : DemandBins
    assessed : numpy.ndarray of int64
        The loan's assessment days: the monitoring days and maturity.
    grid : numpy.ndarray of int64
        Every day the simulation needs (unsorted, with repeats, as drawn on).
    """

    categories: tuple[str, ...]
    liquidation: np.ndarray
    horizons: np.ndarray
    month_days: np.ndarray
    calendar: LoanDates
    trust_day: int
    demand: DemandBins
    assessed: np.ndarray
    grid: np.ndarray


def scenario_days(prepared: Lots, assumptions: Assumptions) -> ScenarioDays:
    """The grid days of a valuation's scenarios (a book draws on the union of them)."""
    a = assumptions
    t0 = a.valuation_date
    liquidation = liquidation_days(prepared, a.margin_period_days)  # also sizes the curve
    month_days = month_offsets(t0, a.horizon_months)
    calendar = loan_dates(t0, a.pledge_loan, a.revaluation_days)
    trust_day = (
        payment_dates(t0, a.receipt_trust.tenor_months, a.receipt_trust.tenor_months)[-1] - t0
    ).days
    horizons = np.zeros(len(prepared.category_names), dtype=np.int64)
    horizons[prepared.category] = liquidation
    horizons_of = np.unique(liquidation)
    demand = DemandBins.of(prepared.category_param("demand_sigma"), a.price_demand_correlation)
    # With demand risk one year is on the grid: the demand level's correlation with the
    # price is taken there (without, the grid and so the draws are section 6's).
    one_year = [DEMAND_DAY] if demand.n_bins > 1 else []
    assessed = np.concatenate([calendar.monitoring_days, [calendar.maturity_day]])
    grid = np.concatenate([month_days, horizons_of, assessed, [trust_day], one_year])
    return ScenarioDays(
        categories=prepared.category_names,
        liquidation=liquidation,
        horizons=horizons,
        month_days=month_days,
        calendar=calendar,
        trust_day=trust_day,
        demand=demand,
        assessed=assessed.astype(np.int64),
        grid=grid,
    )


def _check_shared(shared: SharedScenarios, a: Assumptions) -> None:
    problems = []
    if shared.n_scenarios != a.scenarios:
        problems.append(
            f"shared scenarios: {shared.n_scenarios} scenarios, the assumptions ask {a.scenarios}"
        )
    if shared.correlation != float(a.correlation):
        problems.append(
            f"shared scenarios: correlation {shared.correlation}, the assumptions' "
            f"is {a.correlation}"
        )
    if problems:
        raise ValueError("; ".join(problems))


def _horizon_day(assumptions: Assumptions, lots: Lots, liquidation: np.ndarray, *days: int) -> int:
    """Largest day any computation looks at, with room for payment terms and horizons."""
    longest_sale = int(max(liquidation.max(initial=0), lots.param("orderly_days").max(initial=0)))
    longest = max(longest_sale, *days) + longest_sale
    schedule = 31 * assumptions.horizon_months + 31
    return int(max(longest, schedule) + 400 + assumptions.trade.dso_days)


def evaluate(
    lots: pd.DataFrame,
    assumptions: Assumptions,
    *,
    progress: Progress | None = None,
    scenarios: SharedScenarios | None = None,
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
    scenarios : SharedScenarios, optional
        A book's shared scenarios (:mod:`finance.market.shared`): the valuation takes its
        categories' rows and its grid days from them instead of drawing its own. Their
        number and correlation must be the assumptions'.

    Returns
    -------
    ValuationResult

    Raises
    ------
    InputError
        A lot inconsistent with the assumptions (received after the valuation date, a
        category the table lacks), naming its row; or a valuation whose simulation would
        need more memory than the budget (:mod:`finance.market.budget`), naming what to
        reduce.
    ValueError
        Shared scenarios that lack one of the valuation's categories or grid days, or
        whose number or correlation is not the assumptions'.
    """

    def report(done: float, step: str) -> None:
        if progress is not None:
            progress(done, step)

    a = assumptions
    t0 = a.valuation_date
    report(0.0, "preparing lots")
    prepared = prepare_lots(lots, a.categories, t0)
    days = scenario_days(prepared, a)
    liquidation, month_days, calendar = days.liquidation, days.month_days, days.calendar
    trust_day, demand, assessed, grid = days.trust_day, days.demand, days.assessed, days.grid
    # The assumptions may change the channels' terms; a late payer lengthens the day grid.
    channel_table = effective_channels(a.liquidate.terms)
    cash_day = int(channel_table["days_to_cash"].max())
    max_day = _horizon_day(a, prepared, liquidation, calendar.maturity_day, trust_day, cash_day)
    if scenarios is not None:
        _check_shared(scenarios, a)
    # Before any array the size of the simulation: a request over the memory budget is
    # bad input naming what to reduce, not a MemoryError.
    check_budget(
        SimulationSize(
            scenarios=a.scenarios,
            categories=len(prepared.categories),
            groups=prepared.n_groups,
            steps=len(np.union1d(grid, [0])),
            months=len(month_days),
            assessments=len(assessed),
            days=max_day + 1,
        )
    )
    counts = markdown_counts(prepared.categories, t0, max_day)
    curve = build_discount_table(t0, a.curve_map, max_day)

    def hold_and_clear() -> tuple[HoldingResult, ChannelPlan]:
        # The per-lot holding pass (the channels compare each lot's holding value) and the
        # channels' placement need neither the lender's view nor the scenarios.
        none = np.zeros((0, len(prepared)))
        per_lot = hold(
            prepared, counts, month_days, curve, a.discount_rate, a.trade, none, demand=demand
        )
        channels = plan_channels(
            channel_table, prepared, a.liquidate.channels, per_lot.value_rate, curve,
            a.discount_rate,
        )  # fmt: skip
        return per_lot, channels

    shared, scenarios = scenarios, None

    # Computed beside the collateral values and the simulation below: both are mostly
    # numpy, which lets go of the GIL, so a second core shortens the valuation.
    with ThreadPoolExecutor(max_workers=1) as pool:
        holding_pass = pool.submit(hold_and_clear)
        report(0.1, "collateral values and haircuts")
        position = collateral_position(
            prepared,
            counts,
            confidence=a.confidence,
            margin_period_days=a.margin_period_days,
            nolv_advance=a.nolv_advance,
            concentration_limit=a.concentration_limit,
        )
        values, haircut, lend = position.values, position.haircut, position.lend
        eligible = position.eligible
        basel = basel_haircut(prepared.sigma, a.revaluation_days)

        report(0.2, "simulating prices")
        if shared is None:
            scenarios = simulate_brownian(
                len(prepared.categories), a.correlation, grid, a.scenarios, a.seed
            )
        else:
            scenarios = shared.for_valuation(prepared.category_names, grid)
        shocks = scenarios.shocks(prepared.group_category, prepared.group_sigma)
        eligible_value = position.eligible_value
        proceeds_at_horizon = liquidation_proceeds(
            prepared, counts, liquidation, eligible, scenarios, shocks
        )
        port_haircut = portfolio_haircut(proceeds_at_horizon, eligible_value, a.confidence)
        per_lot, channels = holding_pass.result()

    report(0.35, "holding schedule")
    receipt = np.array([c.receipt_eligible for c in prepared.categories])[prepared.category]
    own = ~(prepared.flags["consigned"] | prepared.flags["encumbered"])
    capacity = {
        "pledge_loan": eligible.astype(np.float64),
        "receipt_trust": (eligible & receipt).astype(np.float64),
        "abs": own.astype(np.float64),
    }
    # One pass for the totals of every share the routes need.
    weights = np.stack(
        [np.ones(len(prepared)), capacity["receipt_trust"], capacity["abs"], channels.sold]
    )
    held = hold(prepared, counts, month_days, curve, a.discount_rate, a.trade, weights, per_lot)
    valuation = RouteValuation(
        assumptions=a,
        lots=prepared,
        counts=counts,
        month_days=month_days,
        curve=curve,
        scenarios=scenarios,
        shocks=shocks,
        held=held,
        capacity=capacity,
        lendable=lend.lendable,
        liquidation=liquidation,
        loan_dates=calendar,
        trust_day=trust_day,
        channels=channels,
    )
    df = curve.factors
    dfc = flat_discount(a.discount_rate, np.arange(len(df)))
    hold_ledger = valuation.hold()
    rows = [
        ledger_row("hold", hold_ledger, hold_ledger, df, dfc, feasible=True, notes=hold_notes())
    ]
    everything = np.ones(valuation.n_categories)

    adjustments = {}
    steps = (
        "liquidation through channels",
        "pledge loan",
        "warehouse-receipt trust",
        "receivables ABS",
    )
    # The pledge loan (its lender's losses per assessment day, the longest route) is
    # valued on a second core while the others are.
    with ThreadPoolExecutor(max_workers=1) as pool:
        loan_route = pool.submit(valuation.route, "pledge_loan", everything)
        for i, (name, step) in enumerate(zip(FINANCING_ROUTES, steps, strict=True)):
            report(0.45 + 0.09 * i, step)
            if name == "pledge_loan":
                continue
            adjustments[name] = valuation.route(name, everything)
        adjustments["pledge_loan"] = loan_route.result()
    for name in FINANCING_ROUTES:
        result, adjustment = adjustments[name]
        ok, notes, cost = route_terms(name, result, values.market_value, a.currency)
        rows.append(
            ledger_row(
                name,
                hold_ledger + adjustment,
                hold_ledger,
                df,
                dfc,
                feasible=ok,
                notes=notes,
                effective_annual_cost=cost,
            )
        )
    plan, loan = adjustments["liquidate"][0], adjustments["pledge_loan"][0]
    trust, deal = adjustments["receipt_trust"][0], adjustments["abs"][0]

    report(0.8, "the mix")
    single = options_table(rows)
    mix = value_mix(valuation, single, adjustments, a.cash_target, a.max_loss_p95)
    rows.append(mix.row)
    options = options_table(rows)
    risks = {
        "pledge_loan": _loan_risks(loan),
        "receipt_trust": _trust_risks(trust),
        "mix": {**(_loan_risks(mix.loan) if mix.loan else {})},
    }
    choice: Recommendation = recommend(
        options,
        a.cash_target,
        a.currency,
        a.discount_rate,
        max_loss_p95=a.max_loss_p95,
        risks=risks,
        allocation=mix.allocation,
    )

    report(0.9, "tables")
    losses = holding_losses(held, prepared, scenarios, shocks)
    codes = position.reason_codes
    table = _lots_table(lots, prepared, values, codes, haircut, basel, lend, held, liquidation)
    market_value = float(values.market_value.sum())
    borrowing_base = lend.borrowing_base
    per_reason = np.bincount(codes, weights=values.market_value, minlength=len(REASONS) + 1)
    by_reason = {r: float(per_reason[i + 1]) for i, r in enumerate(REASONS)}
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
        "weighted_lot_haircut": position.weighted_haircut,
        "expected_holding_loss": float(held.holding_loss.sum()),
        "holding_loss_at_company_rate": float(held.holding_loss_at_company_rate.sum()),
        "holding_loss_p95": float(np.quantile(losses, 0.95)),
        "holding_loss_p99": float(np.quantile(losses, 0.99)),
        "holding_loss_mean_simulated": float(losses.mean()),
        "holding_loss_std_error": float(losses.std(ddof=1) / np.sqrt(len(losses))),
        "holding_npv": float(held.npv.sum()),
        "loan_amount": loan.loan,
        "loan_all_in_cost": loan.all_in_cost,
        "loan_margin_at_drawdown": loan.margin_at_drawdown,
        "margin_call_probability": loan.margin_call_probability,
        # The chance of each coverage line being crossed over the loan's life (the History
        # page's trend and the book's columns).
        **{
            f"p_{name}": float(p)
            for name, p in zip(
                loan.triggers["line"].str.replace("_line", ""),
                loan.triggers["probability"],
                strict=True,
            )
        },
        "lender_expected_loss": loan.lender_expected_loss,
        "pledge_regulatory_lgd": loan.regulatory_lgd,
        "trust_pool_value": trust.pool_value,
        "trust_fair_senior_coupon": trust.fair_senior_coupon,
        "trust_senior_coupon": trust_coupon(trust),
        "abs_issue_size": deal.issue_size,
        "mix_feasible": bool(mix.row.feasible),
        "recommended_option": choice.option,
        "recommendation": choice.reason,
        "cash_target": a.cash_target,
        "max_loss_p95": a.max_loss_p95,
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
        mix=mix.table,
        pledge_loan=loan,
        receipt_trust=trust,
        abs=deal,
        assumptions=a,
        recommendation=choice,
        notes={row.option: row.notes for row in rows},
    )


def _loan_risks(loan) -> dict[str, float]:
    p = dict(zip(loan.triggers["line"], loan.triggers["probability"], strict=True))
    return {
        "coverage": float(loan.coverage),
        "p_warning": float(p["warning_line"]),
        "p_top_up": float(p["top_up_line"]),
        "p_forced_sale": float(p["forced_sale_line"]),
    }


def _trust_risks(trust) -> dict[str, float]:
    return {
        "fair_coupon": float(trust.fair_senior_coupon),
        "offered_coupon": float(trust.offered_coupon),
    }
