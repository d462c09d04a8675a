"""One comparison row per route, all on the same scenarios (MODEL.md section 8).

Each builder takes the route's structure result and the holding schedule of what the
route leaves with the company, and fills the columns of
:data:`finance.decision.comparison.OPTION_COLUMNS`.
Losses per scenario are the company's: today's market value, plus storage, less the PV on
the curve of everything it receives. Lots a route does not take stay held (section 6)
and their loss counts in the row.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from finance.decision.comparison import OptionRow
from finance.risk.holding import HoldingResult
from finance.routes.abs import AbsResult
from finance.routes.liquidate import ChannelPlan
from finance.routes.pledge_loan import PledgeLoanResult
from finance.routes.receipt_trust import ReceiptTrustResult

P95 = 0.95


def _nothing_taken(option: str, held: HoldingResult, losses: np.ndarray, why: str) -> OptionRow:
    """The row of a route that takes nothing: all stock stays held, nothing is raised."""
    return OptionRow(
        option=option,
        cash_now=0.0,
        pv_costs=float(held.storage_pv.sum()),
        expected_loss_retained=float(held.expected_loss.sum()),
        expected_loss_transferred=0.0,
        loss_retained_p95=float(np.quantile(losses, P95)),
        npv=float(held.npv.sum()),
        effective_annual_cost=float("nan"),
        feasible=False,
        notes=why,
    )


def hold_row(held: HoldingResult, losses: np.ndarray) -> OptionRow:
    """Keep the stock and sell it in the normal course: no cash now."""
    row = _nothing_taken(
        "hold", held, losses, "keeps all stock and sells it in the normal course; no cash now"
    )
    return dataclasses.replace(row, feasible=True)


def liquidate_row(
    market_value: np.ndarray,
    category: np.ndarray,
    plan: ChannelPlan,
    full: HoldingResult,
    rest: HoldingResult,
    rest_losses: np.ndarray,
) -> OptionRow:
    """Sell now through clearance channels; what they cannot absorb stays held."""
    share = plan.sold_share[category]
    sold_value = float((market_value * share).sum())
    cash = float((market_value * plan.cash_rate[category]).sum())
    company_cash = float((market_value * plan.company_cash_rate[category]).sum())
    given_up = float((market_value * plan.cost_rate[category]).sum())
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
        loss_retained_p95=float(np.quantile(rest_losses, P95)),
        npv=company_cash + float(rest.npv.sum()) - sold_value,
        effective_annual_cost=float("nan"),
        feasible=sold_value > 0,
        notes=notes if sold_value > 0 else "no channel takes this stock",
    )


def pledge_loan_row(
    loan: PledgeLoanResult, held: HoldingResult, losses: np.ndarray, currency: str
) -> OptionRow:
    """Borrow against the eligible stock; the company keeps the stock and all its loss."""
    if loan.loan <= 0:
        return _nothing_taken(
            "pledge_loan", held, losses, "no borrowing base: no eligible stock to pledge"
        )
    notes = [
        f"loan {currency} {loan.loan:,.0f} at coverage {loan.coverage:.2f}x",
        f"margin-call probability {loan.margin_call_probability:.1%} "
        f"(expected top-up {currency} {loan.expected_top_up:,.0f})",
        "the company keeps all the price risk",
    ]
    if loan.requested > loan.borrowing_base + 0.5:
        notes.insert(
            1, f"the request of {currency} {loan.requested:,.0f} is capped at the borrowing base"
        )
    elif loan.loan < loan.borrowing_base - 0.5:
        notes.insert(1, f"below the borrowing base of {currency} {loan.borrowing_base:,.0f}")
    return OptionRow(
        option="pledge_loan",
        cash_now=loan.cash_now,
        pv_costs=loan.costs_pv + float(held.storage_pv.sum()),
        expected_loss_retained=float(held.expected_loss.sum()),
        expected_loss_transferred=0.0,
        loss_retained_p95=float(np.quantile(losses, P95)),
        npv=float(held.npv.sum())
        + loan.cash_now
        - loan.payments_company
        - loan.top_up_carry_company,
        effective_annual_cost=loan.all_in_cost,
        feasible=True,
        notes="; ".join(notes),
    )


def receipt_trust_row(
    trust: ReceiptTrustResult,
    maturity_discount: float,
    maturity_discount_company: float,
    rest: HoldingResult,
    rest_losses: np.ndarray,
    market_value: float,
) -> OptionRow:
    """Sell receipt-eligible stock into a trust and keep the subordinated units."""
    if trust.pool_value <= 0:
        return _nothing_taken(
            "receipt_trust", rest, rest_losses, "no eligible stock of a receipt-eligible category"
        )
    back = trust.company_at_maturity
    pool_loss = trust.pool_value - trust.cash_now - maturity_discount * back
    flows = trust.flows
    costs = (
        trust.upfront_fee
        + maturity_discount * float((flows.trustee_fee + flows.storage).mean())
        + maturity_discount * float(flows.senior.mean())
        - trust.senior_principal
    )
    share = trust.pool_value / market_value if market_value else 0.0
    notes = [f"{share:.0%} of market value (receipt-eligible, eligible lots) goes into the trust"]
    if trust.buyback:
        notes.append(
            "buyback obligation: the company bears all the price risk, no risk is "
            "transferred - secured borrowing in substance"
        )
    else:
        notes.append(
            f"investors would need a senior coupon of {trust.fair_senior_coupon:.2%} "
            f"for the risk they bear"
        )
    # Without a buyback, investors buy the senior units only if some coupon pays for their
    # risk; when even all the proceeds are worth less than their money, none does.
    unsellable = not trust.buyback and math.isnan(trust.fair_senior_coupon)
    feasible = trust.cash_now > 0 and not unsellable
    if unsellable:
        why_not = "no senior coupon would compensate investors for the risk they bear"
    else:
        why_not = "the senior units raise nothing after fees"
    return OptionRow(
        option="receipt_trust",
        cash_now=trust.cash_now,
        pv_costs=costs + float(rest.storage_pv.sum()),
        expected_loss_retained=float(pool_loss.mean()) + float(rest.expected_loss.sum()),
        expected_loss_transferred=trust.senior_shortfall_pv,
        loss_retained_p95=float(np.quantile(pool_loss + rest_losses, P95)),
        npv=trust.cash_now
        + maturity_discount_company * float(back.mean())
        - trust.pool_value
        + float(rest.npv.sum()),
        effective_annual_cost=trust.all_in_cost,
        feasible=feasible,
        notes="; ".join(notes) if feasible else why_not,
    )


def abs_row(deal: AbsResult, held: HoldingResult, losses: np.ndarray, currency: str) -> OptionRow:
    """Securitise the receivables of the pool months' sales; keep the equity.

    The deal is measured against the same receivables without it: selling on credit
    (its bad debt and collection delay) is the company's commercial terms, not a cost of
    the financing, so the row swaps the receivables' collections for the cash now and the
    pool's residual. Everything else is the holding schedule.
    """
    loss = losses + deal.collections_pv - deal.cash_now - deal.residual_pv
    expected = (
        float(held.expected_loss.sum())
        + float(deal.collections_pv.mean())
        - deal.cash_now
        - float(deal.residual_pv.mean())
    )
    notes = [
        f"issue {currency} {deal.issue_size:,.0f}",
        deal.retention_rule,
    ]
    feasible = deal.issue_size > 0 and deal.cash_now > 0 and not deal.below_minimum
    if deal.below_minimum:
        notes.insert(
            0,
            f"below the minimum sensible issue of {currency} {deal.minimum_issue:,.0f}: "
            "rating and legal fees are too large a share",
        )
    elif deal.cash_now <= 0:
        notes.insert(0, "the sold notes raise nothing after costs")
    sold_price = float((deal.tranches["price"] * deal.tranches["sold_share"]).sum())
    return OptionRow(
        option="abs",
        cash_now=deal.cash_now,
        pv_costs=deal.costs["total"]
        + deal.sold_promised_pv
        - sold_price
        + float(held.storage_pv.sum()),
        expected_loss_retained=expected,
        expected_loss_transferred=deal.sold_expected_loss_pv,
        loss_retained_p95=float(np.quantile(loss, P95)),
        npv=float(held.npv.sum())
        - float(deal.collections_company.mean())
        + deal.cash_now
        + float(deal.residual_company.mean()),
        effective_annual_cost=deal.all_in_cost,
        feasible=feasible,
        notes="; ".join(notes),
    )
