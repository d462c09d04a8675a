"""One comparison row per route, from its ledger (docs/model.md sections 7a and 8).

A row's money columns come from the route's whole ledger (what it takes plus what it
leaves held); its feasibility, all-in cost and notes from the route's own result. The
notes name what a risk officer asks first: the margin-call probability of a loan, the
coupon a trust needs, why a route is not feasible.
"""

from __future__ import annotations

import math

import numpy as np

from finance.decision.comparison import OptionRow
from finance.locale import Text
from finance.routes.abs import AbsResult
from finance.routes.ledger import Ledger
from finance.routes.liquidate import ChannelPlan
from finance.routes.pledge_loan import PledgeLoanResult
from finance.routes.receipt_trust import ReceiptTrustResult


def ledger_row(
    option: str,
    ledger: Ledger,
    hold: Ledger,
    curve_discount: np.ndarray,
    company_discount: np.ndarray,
    *,
    feasible: bool,
    notes: str,
    effective_annual_cost: float = float("nan"),
) -> OptionRow:
    """The row of a route's ledger; ``hold`` gives the noise of its lead over holding."""
    totals = ledger.totals(curve_discount, company_discount)
    lead = ledger.losses.sum(axis=1) - hold.losses.sum(axis=1)
    noise = float(lead.std(ddof=1) / math.sqrt(len(lead))) if len(lead) > 1 else 0.0
    return OptionRow(
        option=option,
        cash_now=totals["cash_now"],
        pv_costs=totals["pv_costs"],
        expected_loss_retained=totals["expected_loss_retained"],
        expected_loss_transferred=totals["expected_loss_transferred"],
        loss_retained_p95=totals["loss_retained_p95"],
        npv=totals["npv"],
        effective_annual_cost=effective_annual_cost,
        feasible=feasible,
        notes=notes,
        funding_value=totals["funding_value"],
        rate_effect=totals["rate_effect"],
        npv_std_error=noise,
    )


def hold_notes() -> str:
    """Hold: no cash now."""
    return Text(
        "keeps all stock and sells it in the normal course on the trade terms; no cash now",
        "notes.hold",
    )


def liquidate_notes(plan: ChannelPlan, market_value: np.ndarray) -> tuple[bool, str]:
    """Liquidate: what share the channels take (only where they beat holding)."""
    total = float(market_value.sum())
    sold = float((plan.sold * market_value).sum())
    placed = sold / total if total else 0.0
    if sold <= 0:
        return False, Text("no channel pays more than holding the stock", "notes.no_channel")
    notes = [
        Text(
            f"{placed:.0%} of market value sold through clearance channels now, where they "
            "pay more than holding",
            "notes.liquidate",
            share=placed,
        )
    ]
    if placed < 1:
        notes.append(Text("the rest is held and sold in the normal course", "notes.rest_held"))
    return True, Text.join("; ", notes)


def pledge_loan_notes(loan: PledgeLoanResult, currency: str) -> tuple[bool, str]:
    """Pledge loan: coverage, the trigger ladder, the margin at drawdown."""
    if loan.loan <= 0:
        return False, Text(
            "no borrowing base: no eligible stock to pledge", "notes.no_borrowing_base"
        )
    p = dict(zip(loan.triggers["line"], loan.triggers["probability"], strict=True))
    notes = [
        Text(
            f"loan {currency} {loan.loan:,.0f} at coverage {loan.coverage:.2f}x, repaid as the "
            "pledged goods sell",
            "notes.loan",
            currency=currency,
            loan=loan.loan,
            coverage=loan.coverage,
        ),
        Text(
            f"warning line {p['warning_line']:.1%}, margin call {p['top_up_line']:.1%}, forced "
            f"sale {p['forced_sale_line']:.1%} of scenarios",
            "notes.lines",
            p_warning=p["warning_line"],
            p_top_up=p["top_up_line"],
            p_forced_sale=p["forced_sale_line"],
        ),
        Text("the company keeps all the price risk", "notes.price_risk_kept"),
    ]
    if loan.margin_at_drawdown > 0:
        notes.insert(
            1,
            Text(
                f"margin of {currency} {loan.margin_at_drawdown:,.0f} posted at drawdown",
                "notes.margin_posted",
                currency=currency,
                amount=loan.margin_at_drawdown,
            ),
        )
    if loan.requested > loan.borrowing_base + 0.5:
        notes.insert(
            1,
            Text(
                f"the request of {currency} {loan.requested:,.0f} is capped at the borrowing base",
                "notes.request_capped",
                currency=currency,
                amount=loan.requested,
            ),
        )
    elif loan.loan < loan.borrowing_base - 0.5:
        notes.insert(
            1,
            Text(
                f"below the borrowing base of {currency} {loan.borrowing_base:,.0f}",
                "notes.below_base",
                currency=currency,
                amount=loan.borrowing_base,
            ),
        )
    return True, Text.join("; ", notes)


def trust_coupon(trust: ReceiptTrustResult) -> float:
    """The senior coupon the trust is priced at."""
    if trust.senior_principal <= 0 or trust.years <= 0:
        return float("nan")
    return (trust.senior_claim / trust.senior_principal - 1.0) / trust.years


def receipt_trust_notes(trust: ReceiptTrustResult, market_value: float) -> tuple[bool, str]:
    """Trust: the share it takes, and the coupon its investors need."""
    if trust.pool_value <= 0:
        return False, Text(
            "no eligible stock of a receipt-eligible category", "notes.no_receipt_stock"
        )
    unsellable = not trust.buyback and math.isnan(trust.fair_senior_coupon)
    if unsellable:
        return False, Text(
            "no senior coupon would compensate investors for the risk they bear",
            "notes.no_coupon",
        )
    if trust.cash_now <= 0:
        return False, Text("the senior units raise nothing after fees", "notes.senior_nothing")
    share = trust.pool_value / market_value if market_value else 0.0
    notes = [
        Text(
            f"{share:.0%} of market value (receipt-eligible, eligible lots) goes into the trust",
            "notes.trust_share",
            share=share,
        )
    ]
    if trust.buyback:
        notes.append(
            Text(
                "buyback obligation: the company bears all the price risk, no risk is "
                "transferred - secured borrowing in substance",
                "notes.buyback",
            )
        )
    elif trust.repriced:
        notes.append(
            Text(
                f"priced at the senior coupon investors need, {trust_coupon(trust):.2%}: the "
                f"{trust.offered_coupon:.2%} offered does not pay for the risk they bear",
                "notes.trust_repriced",
                fair=trust_coupon(trust),
                offered=trust.offered_coupon,
            )
        )
    else:
        notes.append(
            Text(
                f"investors need a senior coupon of {trust.fair_senior_coupon:.2%} for their "
                f"risk; {trust_coupon(trust):.2%} is offered",
                "notes.trust_coupon",
                fair=trust.fair_senior_coupon,
                offered=trust_coupon(trust),
            )
        )
    return True, Text.join("; ", notes)


def abs_notes(deal: AbsResult, currency: str) -> tuple[bool, str]:
    """ABS: the issue, the retention rule, why it may not be feasible."""
    notes = [
        Text(
            f"issue {currency} {deal.issue_size:,.0f}",
            "notes.abs_issue",
            currency=currency,
            amount=deal.issue_size,
        ),
        deal.retention_rule,
    ]
    feasible = deal.issue_size > 0 and deal.cash_now > 0 and not deal.below_minimum
    if deal.below_minimum:
        notes.insert(
            0,
            Text(
                f"below the minimum sensible issue of {currency} {deal.minimum_issue:,.0f}: "
                "rating and legal fees are too large a share",
                "notes.abs_below_minimum",
                currency=currency,
                amount=deal.minimum_issue,
            ),
        )
    elif deal.cash_now <= 0:
        notes.insert(0, Text("the sold notes raise nothing after costs", "notes.abs_nothing"))
    return feasible, Text.join("; ", notes)


def route_terms(
    name: str, result: object, market_value: np.ndarray, currency: str
) -> tuple[bool, str, float]:
    """A financing route's feasibility, notes and all-in cost, from its result.

    Parameters
    ----------
    name : str
        ``liquidate``, ``pledge_loan``, ``receipt_trust`` or ``abs``.
    result : object
        The route's result (``ChannelPlan``, ``PledgeLoanResult``, ...).
    market_value : numpy.ndarray
        Each lot's market value.
    currency : str
    """
    if name == "liquidate":
        return (*liquidate_notes(result, market_value), float("nan"))
    if name == "pledge_loan":
        return (*pledge_loan_notes(result, currency), result.all_in_cost)
    if name == "receipt_trust":
        return (*receipt_trust_notes(result, float(market_value.sum())), result.all_in_cost)
    return (*abs_notes(result, currency), result.all_in_cost)
