"""``evaluate``: from validated lots and assumptions to the valuation result.

Pure: no I/O and no process state other than QuantLib's, which every call takes under the
lock and restores. The steps follow MODEL.md: collateral values (3), eligibility (4),
haircuts and lendable value (5), holding loss (6), and the routes compared (7, 8).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

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
from finance.decision.comparison import Recommendation, options_table, recommend
from finance.inputs.assumptions import Assumptions
from finance.inputs.categories import categories_frame
from finance.inputs.channels import load_channels
from finance.market.calendar import month_offsets, payment_dates
from finance.market.curve import DAYS_PER_YEAR, DiscountTable, build_discount_table, flat_discount
from finance.market.scenarios import PriceScenarios, simulate_brownian
from finance.risk.holding import HoldingResult, hold
from finance.risk.pool import pool_amounts, pool_values
from finance.routes.abs import AbsResult, abs_deal
from finance.routes.liquidate import plan_channels
from finance.routes.pledge_loan import (
    LoanDates,
    PledgeLoanResult,
    SingleGroupPool,
    loan_dates,
    pledge_loan,
)
from finance.routes.receipt_trust import ReceiptTrustResult, receipt_trust
from finance.routes.rows import (
    abs_row,
    hold_row,
    liquidate_row,
    pledge_loan_row,
    receipt_trust_row,
)

if TYPE_CHECKING:
    from finance.analysis.stress import StressResult

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
    "batch",
    "warehouse",
    "description",
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
    pledge_loan : PledgeLoanResult
        The loan's schedule, trigger ladder and lender's figures.
    receipt_trust : ReceiptTrustResult
        The trust's waterfall and the investors' side.
    abs : AbsResult
        The ABS tranches, retention and costs.
    assumptions : Assumptions
    recommendation : Recommendation
        The recommended option and its reasons, as parts (for text in any language).
    """

    lots: pd.DataFrame
    options: pd.DataFrame
    summary: dict[str, Any]
    haircuts: pd.DataFrame
    channels: pd.DataFrame
    holding_losses: np.ndarray
    pledge_loan: PledgeLoanResult = field(repr=False)
    receipt_trust: ReceiptTrustResult = field(repr=False)
    abs: AbsResult = field(repr=False)
    assumptions: Assumptions = field(repr=False)
    recommendation: Recommendation = field(repr=False)

    def to_csv(self, folder: str | Path) -> list[Path]:
        """Write ``lots.csv`` and ``options.csv`` (UTF-8 with BOM) into ``folder``."""
        from finance.report import write_csvs

        return write_csvs(self, Path(folder))

    def to_excel(self, path: str | Path, stress: StressResult | None = None) -> Path:
        """Write the formatted workbook (Summary, Lots, Options, structure sheets, ...).

        Given the result of :func:`finance.analysis.stress.stress_test`, add its sheets.
        """
        from finance.report import write_workbook

        return write_workbook(self, Path(path), stress)


def _text_column(frame: pd.DataFrame, name: str) -> Any:
    """A free-text column of the inventory as read, or blanks when the frame has none."""
    if name in frame:
        return frame[name].array
    return pd.array([""] * len(frame), dtype="str")


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
            # As read; "" when the file has none (or the frame, built in Python, lacks it).
            "batch": _text_column(frame, "batch"),
            "warehouse": _text_column(frame, "warehouse"),
            "description": _text_column(frame, "description"),
            "unit": _text_column(frame, "unit"),
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


def _horizon_day(assumptions: Assumptions, lots: Lots, liquidation: np.ndarray, *days: int) -> int:
    """Largest day any computation looks at, with room for channel and ABS payment terms."""
    longest = max(
        int(liquidation.max(initial=0)), int(lots.param("orderly_days").max(initial=0)), *days
    )
    return int(max(longest, 31 * assumptions.horizon_months + 31) + 400 + assumptions.abs.dso_days)


def _hold_rest(
    lots: Lots,
    counts: np.ndarray,
    month_days: np.ndarray,
    curve: DiscountTable,
    a: Assumptions,
    taken: np.ndarray,
) -> HoldingResult:
    """Holding schedule of what a route leaves with the company (``taken``: share per lot)."""
    return hold(
        lots, counts, month_days, curve, a.discount_rate, quantity=lots.quantity * (1.0 - taken)
    )


def _single_group(
    lots: Lots, counts: np.ndarray, mask: np.ndarray, last_day: int
) -> tuple[float, float] | None:
    """(sigma, erosion) when the masked lots move as one lognormal value up to ``last_day``.

    That is: one shock group, one erosion rate, no season end and no expiry before
    ``last_day``. Then closed forms (barrier, put) check the simulation.
    """
    chosen = mask > 0
    if not chosen.any():
        return None
    groups = np.unique(lots.group[chosen])
    erosion = np.unique(lots.erosion[chosen])
    category = lots.group_category[groups[0]]
    marks = counts[category, min(last_day, counts.shape[1] - 1)]
    if len(groups) != 1 or len(erosion) != 1 or marks > 0:
        return None
    if (lots.expiry_day[chosen] <= last_day).any():
        return None
    return float(lots.group_sigma[groups[0]]), float(erosion[0])


def _pledge_loan(
    a: Assumptions,
    lots: Lots,
    counts: np.ndarray,
    eligible: np.ndarray,
    eligible_value: float,
    borrowing_base: float,
    dates: LoanDates,
    scenarios: PriceScenarios,
    shocks: np.ndarray,
    proceeds_at_horizon: np.ndarray,
    curve: DiscountTable,
) -> PledgeLoanResult:
    pledged = eligible.astype(np.float64)
    monitoring = dates.monitoring_days
    paths = pool_values(
        scenarios, shocks, monitoring, pool_amounts(lots, counts, pledged, monitoring)
    )
    expected = pool_amounts(lots, counts, pledged, dates.payment_days).sum(axis=0)
    single = _single_group(lots, counts, pledged, dates.maturity_day)
    return pledge_loan(
        a.pledge_loan,
        a.valuation_date,
        dates,
        borrowing_base,
        eligible_value,
        expected,
        paths,
        proceeds_at_horizon,
        curve,
        a.discount_rate,
        SingleGroupPool(*single) if single else None,
    )


def _receipt_trust(
    a: Assumptions,
    lots: Lots,
    counts: np.ndarray,
    in_trust: np.ndarray,
    maturity_day: int,
    scenarios: PriceScenarios,
    shocks: np.ndarray,
    curve: DiscountTable,
) -> ReceiptTrustResult:
    day = np.array([maturity_day])
    amounts = pool_amounts(lots, counts, in_trust * (1.0 - lots.param("orderly_discount")), day)
    proceeds = pool_values(scenarios, shocks, day, amounts)[:, 0]
    storage = float(
        (in_trust * lots.param("storage_cost") * lots.market_value).sum()
        * maturity_day
        / DAYS_PER_YEAR
    )
    single = _single_group(lots, counts, in_trust, maturity_day)
    return receipt_trust(
        a.receipt_trust,
        a.valuation_date,
        maturity_day,
        float((in_trust * lots.market_value).sum()),
        proceeds,
        float(amounts.sum()),
        storage,
        curve,
        single[0] if single else None,
    )


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
    liquidation = liquidation_days(prepared, a.margin_period_days)  # also sizes the curve
    month_days = month_offsets(t0, a.horizon_months)
    loan_calendar = loan_dates(t0, a.pledge_loan, a.revaluation_days)
    trust_day = (
        payment_dates(t0, a.receipt_trust.tenor_months, a.receipt_trust.tenor_months)[-1] - t0
    ).days
    max_day = _horizon_day(a, prepared, liquidation, loan_calendar.maturity_day, trust_day)
    counts = markdown_counts(prepared.categories, t0, max_day)
    curve = build_discount_table(t0, a.curve_map, max_day)

    report(0.1, "collateral values and haircuts")
    position = collateral_position(
        prepared,
        counts,
        confidence=a.confidence,
        margin_period_days=a.margin_period_days,
        nolv_advance=a.nolv_advance,
        concentration_limit=a.concentration_limit,
    )
    values, reasons, haircut, lend = (
        position.values,
        position.reasons,
        position.haircut,
        position.lend,
    )
    eligible = position.eligible
    basel = basel_haircut(prepared.sigma, a.revaluation_days)

    report(0.2, "simulating prices")
    grid = np.concatenate(
        [month_days, np.unique(liquidation), loan_calendar.monitoring_days, [trust_day]]
    )
    scenarios = simulate_brownian(
        len(prepared.categories), a.correlation, grid, a.scenarios, a.seed
    )
    shocks = scenarios.shocks(prepared.group_category, prepared.group_sigma)
    eligible_value = position.eligible_value
    proceeds_at_horizon = liquidation_proceeds(
        prepared, counts, liquidation, eligible, scenarios, shocks
    )
    port_haircut = portfolio_haircut(proceeds_at_horizon, eligible_value, a.confidence)

    report(0.35, "holding loss")
    held = hold(prepared, counts, month_days, curve, a.discount_rate)
    losses = held.group_losses(scenarios, shocks).sum(axis=1)
    rows = [hold_row(held, losses)]

    report(0.45, "liquidation through channels")
    plan = plan_channels(
        load_channels(), prepared.category_names, a.liquidate.channels, curve, a.discount_rate
    )
    rest = _hold_rest(prepared, counts, month_days, curve, a, plan.sold_share[prepared.category])
    rest_losses = rest.group_losses(scenarios, shocks).sum(axis=1)
    rows.append(
        liquidate_row(values.market_value, prepared.category, plan, held, rest, rest_losses)
    )

    report(0.55, "pledge loan")
    loan = _pledge_loan(
        a,
        prepared,
        counts,
        eligible,
        eligible_value,
        lend.borrowing_base,
        loan_calendar,
        scenarios,
        shocks,
        proceeds_at_horizon,
        curve,
    )
    rows.append(pledge_loan_row(loan, held, losses, a.currency))

    report(0.65, "warehouse-receipt trust")
    receipt = np.array([c.receipt_eligible for c in prepared.categories])[prepared.category]
    in_trust = (eligible & receipt).astype(np.float64)
    trust = _receipt_trust(a, prepared, counts, in_trust, trust_day, scenarios, shocks, curve)
    rest = _hold_rest(prepared, counts, month_days, curve, a, in_trust)
    rows.append(
        receipt_trust_row(
            trust,
            float(curve.discount(trust_day)),
            float(flat_discount(a.discount_rate, trust_day)),
            rest,
            rest.group_losses(scenarios, shocks).sum(axis=1),
            float(values.market_value.sum()),
        )
    )

    report(0.75, "receivables ABS")
    pool_months = min(a.abs.pool_months, a.horizon_months)
    window = np.arange(1, pool_months + 1)
    at_sales = shocks[:, :, scenarios.index_of(month_days[window])]
    deal = abs_deal(
        a.abs,
        t0,
        month_days[window],
        held.group_nominal[:, window].sum(axis=0),
        np.einsum("sgm,gm->sm", at_sales, held.group_nominal[:, window]),
        curve,
        a.discount_rate,
        a.seed,
    )
    rows.append(abs_row(deal, held, losses, a.currency))

    options = options_table(rows)
    choice: Recommendation = recommend(options, a.cash_target, a.currency, a.discount_rate)

    report(0.9, "tables")
    table = _lots_table(lots, prepared, values, reasons, haircut, basel, lend, held, liquidation)
    market_value = float(values.market_value.sum())
    borrowing_base = lend.borrowing_base
    by_reason = {r: float(values.market_value[reasons == r].sum()) for r in REASONS}
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
        "expected_holding_loss": float(held.expected_loss.sum()),
        "holding_loss_p95": float(np.quantile(losses, 0.95)),
        "holding_loss_p99": float(np.quantile(losses, 0.99)),
        "holding_loss_mean_simulated": float(losses.mean()),
        "holding_loss_std_error": float(losses.std(ddof=1) / np.sqrt(len(losses))),
        "loan_amount": loan.loan,
        "loan_all_in_cost": loan.all_in_cost,
        "margin_call_probability": loan.margin_call_probability,
        "lender_expected_loss": loan.lender_expected_loss,
        "pledge_regulatory_lgd": loan.regulatory_lgd,
        "trust_pool_value": trust.pool_value,
        "trust_fair_senior_coupon": trust.fair_senior_coupon,
        "abs_issue_size": deal.issue_size,
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
        pledge_loan=loan,
        receipt_trust=trust,
        abs=deal,
        assumptions=a,
        recommendation=choice,
    )
