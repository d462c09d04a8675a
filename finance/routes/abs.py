"""Receivables ABS, docs/model.md section 7 option 5.

Selling the stock on credit over the pool horizon creates receivables: the sales of month
m (the holding schedule of section 6) are collected ``dso_days`` later. They form the
pool; its issue size is the expected collections ``E_C = E[sales] (1 - LGD PD)``.

Credit losses follow the one-factor (Vasicek) model for a large pool: given the common
factor Y ~ N(0, 1), the defaulted share is

    D(Y) = Phi((Phi^-1(PD) - sqrt(rho) Y) / sqrt(1 - rho))

and collections are ``sales (1 - LGD D(Y))``. Y is independent of the price scenarios, which
set the sales. The pool loss fraction is ``L = 1 - collections / E_C``.

Tranches are sized from the loss distribution: a sold tranche attaches at the smallest
``a`` with ``P(L > a) <= target`` (senior 0.1%, mezzanine 1% by default); the company keeps
the equity below the mezzanine. ``P(L > a)`` is computed exactly in Y for each price
scenario (the Vasicek tail in closed form, averaged over the scenarios), so a 0.1% target
is not left to ten simulated tail draws.

The notes are amortising discount notes: sequential pay, each tranche receives its slice
of the expected collections (senior first) on monthly payment dates, and is priced as a
QuantLib ``AmortizingFixedRateBond`` with a zero coupon on the curve plus its spread
(``ZeroSpreadedTermStructure``, ``DiscountingBondEngine``) - the purchase-price discount of
trade-receivables securitisation. Weighted average life and modified duration come with
the price.

Risk retention follows the PBoC and CBRC announcement of 31 December 2013: the originator
keeps at least 5% of the issue and at least 5% of the most junior tranche, and any other
tranche it keeps in the same proportion as the rest. Keeping the whole equity satisfies the
junior-tranche test; when the equity is under 5% of the issue, the 5%-of-issue test binds
and the company also keeps the same share ``v = (5% - e) / (1 - e)`` of every sold tranche.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import QuantLib as ql

from finance._ql import quantlib_at
from finance.collateral.lots import Lots
from finance.inputs.assumptions import AbsTerms, TradeTerms
from finance.locale import Text
from finance.market.calendar import china_calendar, payment_dates
from finance.market.cashflows import effective_annual_cost
from finance.market.curve import DAYS_PER_YEAR, DiscountTable, flat_discount, quantlib_curve
from finance.market.scenarios import PriceScenarios
from finance.routes.hold import group_to_category
from finance.routes.ledger import Ledger, spread

RETENTION_SHARE = 0.05  # of the issue and of the most junior tranche (2013 rule)
TRANCHES: tuple[str, ...] = ("senior", "mezzanine", "equity")


def vasicek_default_share(pd_: float, rho: float, factor: np.ndarray) -> np.ndarray:
    """Defaulted share of a large pool given the common factor, D(Y)."""
    factor = np.asarray(factor, dtype=np.float64)
    if pd_ <= 0.0:
        return np.zeros_like(factor)
    if rho <= 0.0:
        return np.full_like(factor, pd_)
    from scipy.special import ndtr, ndtri  # imported at first use: see finance.cli

    return ndtr((ndtri(pd_) - math.sqrt(rho) * factor) / math.sqrt(1.0 - rho))


def vasicek_tail(pd_: float, rho: float, threshold: np.ndarray) -> np.ndarray:
    """P(D(Y) > x) for each threshold x (1 below 0, 0 from 1 on)."""
    x = np.asarray(threshold, dtype=np.float64)
    if pd_ <= 0.0:
        return (x < 0.0).astype(np.float64)
    if rho <= 0.0:
        return (x < pd_).astype(np.float64)
    inside = np.clip(x, 1e-300, 1.0 - 1e-16)
    from scipy.special import ndtr, ndtri  # imported at first use: see finance.cli

    tail = ndtr((ndtri(pd_) - math.sqrt(1.0 - rho) * ndtri(inside)) / math.sqrt(rho))
    return np.where(x < 0.0, 1.0, np.where(x >= 1.0, 0.0, tail))


def loss_probability(
    attachment: float, sales: np.ndarray, expected: float, pd_: float, lgd: float, rho: float
) -> float:
    """P(L > attachment), exact in the credit factor, averaged over the price scenarios.

    Parameters
    ----------
    attachment : float
        Loss fraction a.
    sales : numpy.ndarray, shape (S,)
        Pool sales per price scenario (currency).
    expected : float
        Expected collections E_C.
    pd_, lgd, rho : float
        Obligor PD, loss given default, asset correlation.
    """
    sales = np.asarray(sales, dtype=np.float64)
    needed = (1.0 - attachment) * expected  # collections below this lose more than a
    if lgd <= 0.0:
        return float(np.mean(sales < needed))
    with np.errstate(divide="ignore"):
        threshold = np.where(sales > 0, (1.0 - needed / sales) / lgd, -np.inf)
    return float(np.mean(vasicek_tail(pd_, rho, threshold)))


def attachment_point(
    target: float, sales: np.ndarray, expected: float, pd_: float, lgd: float, rho: float
) -> float:
    """Smallest loss fraction a in [0, 1] with P(L > a) <= target (bisection)."""
    if loss_probability(0.0, sales, expected, pd_, lgd, rho) <= target:
        return 0.0
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if loss_probability(mid, sales, expected, pd_, lgd, rho) <= target:
            hi = mid
        else:
            lo = mid
    return hi


def retention(equity_share: float) -> tuple[float, str]:
    """Vertical share of each sold tranche the company must keep, and the rule that binds.

    Parameters
    ----------
    equity_share : float
        The equity tranche's share of the issue, all of it kept by the company.
    """
    if equity_share >= RETENTION_SHARE:
        return 0.0, Text(
            f"the equity tranche kept in full ({equity_share:.1%} of the issue) meets both "
            "5% tests of the 2013 rule; neither binds",
            "notes.retention_equity",
            equity=equity_share,
        )
    vertical = (RETENTION_SHARE - equity_share) / (1.0 - equity_share)
    return vertical, Text(
        f"the 5%-of-issue test binds: the equity is only {equity_share:.1%} of the issue, so "
        f"the company also keeps {vertical:.2%} of every sold tranche (equal proportion)",
        "notes.retention_vertical",
        equity=equity_share,
        vertical=vertical,
    )


@dataclass(frozen=True, eq=False)
class AbsResult:
    """Outcome of the ABS (currency; PV on the curve unless noted).

    Attributes
    ----------
    issue_size : float
        Expected collections E_C, the face of all tranches.
    expected_sales : float
        Expected pool sales before credit losses.
    tranches : pandas.DataFrame
        Per tranche: ``tranche``, ``attachment``, ``detachment``, ``face``, ``sold_share``,
        ``spread``, ``price`` (currency, whole tranche; for the equity, which is kept, its
        expected value on the curve: the pool's residual after the sold tranches),
        ``price_per_100``, ``yield`` (effective annual; NaN for the equity), ``wal_years``,
        ``modified_duration`` (at the bond's yield), ``probability_of_loss``
        (exact in the credit factor), ``probability_of_loss_simulated``,
        ``expected_loss`` (fraction of face).
    payments : pandas.DataFrame
        Per payment date: ``date``, ``days``, expected ``collections`` and each tranche's
        expected principal.
    vertical_retention : float
        Share of each sold tranche the company keeps.
    retention_rule : str
        Which part of the 2013 rule binds, in words.
    costs : dict of str to float
        ``underwriting``, ``rating``, ``legal``, ``trustee`` (PV) and ``total``.
    cash_now : float
        Sold tranches' price less costs.
    minimum_issue : float
        Issue size at which rating and legal fees reach ``max_fixed_cost_share``.
    pool_loss : numpy.ndarray, shape (S,)
        Pool loss fraction per scenario (credit factor simulated).
    collections_pv, collections_company : numpy.ndarray, shape (S,)
        What the pool's receivables bring in per scenario without the deal (credit losses
        and the collection delay included), PV on the curve and at the company's rate.
    residual_pv, residual_company : numpy.ndarray, shape (S,)
        What the company gets back from the pool per scenario (equity and retained
        slices), PV on the curve and at its rate.
    sold_promised_pv : float
        PV (curve) of what the sold notes are promised.
    sold_expected_loss_pv : float
        PV (curve) of the sold notes' expected losses: the loss handed to investors.
    sold_payments : list of (int, float)
        Days and expected amounts promised to the sold notes.
    all_in_cost : float
        Effective annual rate (Actual/365 Fixed) from the cash now to ``sold_payments``.
    pay_days : numpy.ndarray of int64, shape (P + 1,)
        Days of t0 and each payment date.
    residual_flows : numpy.ndarray, shape (P,)
        Expected cash the company receives from the vehicle on each payment date: the
        collections less what the sold notes are paid (its equity and retained slices).
    sales_pv : numpy.ndarray, shape (S,)
        The pool's invoices per scenario, PV on the curve at their collection's payment date.
    sold_loss_pv : numpy.ndarray, shape (S,)
        The sold notes' credit loss per scenario, PV on the curve.
    funding_value, interest_pv : float
        The sold notes' price split into its principal and interest: the price less the
        PV of its repayment (the face flows in the proportion price / face), and the rest
        of the face flows (PV, curve).
    """

    issue_size: float
    expected_sales: float
    tranches: pd.DataFrame
    payments: pd.DataFrame
    vertical_retention: float
    retention_rule: str
    costs: dict[str, float]
    cash_now: float
    minimum_issue: float
    pool_loss: np.ndarray
    collections_pv: np.ndarray
    collections_company: np.ndarray
    residual_pv: np.ndarray
    residual_company: np.ndarray
    sold_promised_pv: float
    sold_expected_loss_pv: float
    sold_payments: list[tuple[int, float]]
    all_in_cost: float
    pay_days: np.ndarray
    residual_flows: np.ndarray
    sales_pv: np.ndarray
    sold_loss_pv: np.ndarray
    funding_value: float
    interest_pv: float

    @property
    def below_minimum(self) -> bool:
        """Whether the issue is too small for its fixed costs."""
        return self.issue_size < self.minimum_issue


def _sequential(collections: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Principal per tranche (rows, senior first) and period from cumulative collections."""
    cumulative = np.concatenate([[0.0], np.cumsum(collections)])
    bounds = np.concatenate([[0.0], np.cumsum(faces)])
    paid = np.clip(cumulative[None, :] - bounds[:-1, None], 0.0, faces[:, None])
    return np.diff(paid, axis=1)


def _price_notes(
    t0: dt.date,
    months: int,
    principal: np.ndarray,
    spreads: np.ndarray,
    curve: DiscountTable,
    last_day: int,
) -> list[dict[str, float]]:
    """Price each tranche's principal schedule as a zero-coupon amortising bond.

    The bond's schedule is the one of :func:`finance.market.calendar.payment_dates` (monthly, China
    calendar, modified following), so its flows fall on the deal's payment dates.
    """
    out = []
    with quantlib_at(t0) as today:
        dc = ql.Actual365Fixed()
        base = ql.YieldTermStructureHandle(quantlib_curve(curve, today, last_day))
        schedule = ql.MakeSchedule(
            today,
            today + ql.Period(months, ql.Months),
            ql.Period(1, ql.Months),
            calendar=china_calendar("SSE"),
            convention=ql.ModifiedFollowing,
            terminalDateConvention=ql.ModifiedFollowing,
            rule=ql.DateGeneration.Forward,
        )
        for flows, spread in zip(principal, spreads, strict=True):
            face = float(flows.sum())
            if face <= 0:
                out.append({"price": 0.0, "yield": math.nan, "duration": math.nan})
                continue
            outstanding = face - np.concatenate([[0.0], np.cumsum(flows)[:-1]])
            bond = ql.AmortizingFixedRateBond(
                0, np.maximum(outstanding, 0.0).tolist(), schedule, [0.0], dc, ql.Unadjusted, today
            )
            spreaded = ql.ZeroSpreadedTermStructure(
                base,
                ql.QuoteHandle(ql.SimpleQuote(float(spread))),
                ql.Continuous,
                ql.NoFrequency,
                dc,
            )
            bond.setPricingEngine(ql.DiscountingBondEngine(ql.YieldTermStructureHandle(spreaded)))
            price = bond.cleanPrice()
            rate = bond.bondYield(
                ql.BondPrice(price, ql.BondPrice.Clean), dc, ql.Compounded, ql.Annual
            )
            duration = ql.BondFunctions.duration(
                bond, ql.InterestRate(rate, dc, ql.Compounded, ql.Annual), ql.Duration.Modified
            )
            out.append(
                {"price": float(bond.NPV()), "yield": float(rate), "duration": float(duration)}
            )
    return out


def abs_deal(
    terms: AbsTerms,
    trade: TradeTerms,
    t0: dt.date,
    sale_days: np.ndarray,
    expected_sales: np.ndarray,
    sales_paths: np.ndarray,
    curve: DiscountTable,
    company_rate: float,
    seed: int,
) -> AbsResult:
    """Structure and price the ABS on the receivables of the pool months' sales.

    Parameters
    ----------
    terms : AbsTerms
    trade : TradeTerms
        The company's trade terms: the receivables' collection delay and credit risk.
    t0 : datetime.date
    sale_days : numpy.ndarray of int, shape (P,)
        Days from t0 of each month's sales.
    expected_sales : numpy.ndarray, shape (P,)
        Expected sales of each month (currency).
    sales_paths : numpy.ndarray, shape (S, P)
        Sales per price scenario and month.
    curve : DiscountTable
    company_rate : float
        The company's rate, effective annual.
    seed : int
        Seeds the credit factor (its own stream, independent of the prices).
    """
    n_scenarios = sales_paths.shape[0]
    collect_days = np.asarray(sale_days, dtype=np.int64) + trade.dso_days
    months = max(1, math.ceil(int(collect_days.max(initial=0)) / 28) + 1)
    dates = payment_dates(t0, months, 1)
    pay_days = np.array([(d - t0).days for d in dates], dtype=np.int64)
    period = np.clip(np.searchsorted(pay_days, collect_days), 1, len(pay_days) - 1)
    months = int(period.max(initial=1))
    dates, pay_days = dates[: months + 1], pay_days[: months + 1]
    pay_factor = curve.discount(pay_days)
    pay_factor_c = flat_discount(company_rate, pay_days)

    keep = 1.0 - trade.customer_lgd * trade.customer_pd
    by_period = np.bincount(period, weights=expected_sales * keep, minlength=months + 1)[1:]
    issue = float(by_period.sum())
    total_sales = sales_paths.sum(axis=1)
    args = (total_sales, issue, trade.customer_pd, trade.customer_lgd, terms.credit_correlation)
    senior_at = attachment_point(terms.senior_target, *args) if issue > 0 else 0.0
    mezz_at = min(attachment_point(terms.mezzanine_target, *args), senior_at) if issue > 0 else 0.0
    attach = np.array([senior_at, mezz_at, 0.0])
    detach = np.array([1.0, senior_at, mezz_at])
    faces = (detach - attach) * issue
    vertical, rule = retention(mezz_at)
    sold = np.array([1.0 - vertical, 1.0 - vertical, 0.0])
    spreads = np.array([terms.senior_spread, terms.mezzanine_spread, 0.0])

    principal = _sequential(by_period, faces)  # (3, months)
    priced = _price_notes(t0, months, principal, spreads, curve, int(pay_days[-1]) + 1)
    price = np.array([p["price"] for p in priced])
    with np.errstate(invalid="ignore", divide="ignore"):
        wal = (principal * pay_days[1:] / DAYS_PER_YEAR).sum(axis=1) / faces

    rng = np.random.default_rng((seed, 0xAB5))
    factor = rng.standard_normal(n_scenarios)
    kept = 1.0 - trade.customer_lgd * vasicek_default_share(
        trade.customer_pd, terms.credit_correlation, factor
    )
    pool_loss = 1.0 - total_sales * kept / issue if issue > 0 else np.zeros(n_scenarios)
    width = np.where(faces > 0, detach - attach, 1.0)
    tranche_loss = np.clip(pool_loss[:, None] - attach[None, :], 0.0, width) / width  # (S, 3)
    tranche_loss[:, faces <= 0] = 0.0

    promised_pv = principal @ pay_factor[1:]
    promised_c = principal @ pay_factor_c[1:]
    sale_period = period - 1
    collections_pv = kept * (sales_paths @ pay_factor[1:][sale_period])
    collections_c = kept * (sales_paths @ pay_factor_c[1:][sale_period])
    sold_paid_pv = ((1.0 - tranche_loss) * (sold * promised_pv)).sum(axis=1)
    sold_paid_c = ((1.0 - tranche_loss) * (sold * promised_c)).sum(axis=1)

    # The equity is not sold: show what it is worth to the company, the pool's expected
    # residual (upside included) less the retained slices of the sold tranches.
    retained_slices = ((1.0 - tranche_loss[:, :2]) * ((1.0 - sold[:2]) * promised_pv[:2])).sum(1)
    price[2] = float((collections_pv - sold_paid_pv - retained_slices).mean())
    priced[2]["yield"] = math.nan
    outstanding = issue - np.concatenate([[0.0], np.cumsum(by_period)[:-1]])
    accrual = np.diff(pay_days) / DAYS_PER_YEAR
    costs = {
        "underwriting": terms.underwriting_fee * float(sold @ price),
        "rating": float(terms.rating_fee),
        "legal": float(terms.legal_fee),
        "trustee": terms.trustee_fee * float((outstanding * accrual * pay_factor[1:]).sum()),
    }
    costs["total"] = sum(costs.values())
    loss_probability_exact = [
        loss_probability(a, *args) if f > 0 else 0.0 for a, f in zip(attach, faces, strict=True)
    ]
    tranches = pd.DataFrame(
        {
            "tranche": list(TRANCHES),
            "attachment": attach,
            "detachment": detach,
            "face": faces,
            "sold_share": sold,
            "spread": spreads,
            "price": price,
            "price_per_100": np.where(
                faces > 0, 100.0 * price / np.where(faces > 0, faces, 1), np.nan
            ),
            "yield": [p["yield"] for p in priced],
            "wal_years": wal,
            "modified_duration": [p["duration"] for p in priced],
            "probability_of_loss": loss_probability_exact,
            "probability_of_loss_simulated": (pool_loss[:, None] > attach[None, :]).mean(axis=0)
            * (faces > 0),
            "expected_loss": tranche_loss.mean(axis=0),
        }
    )
    payments = pd.DataFrame(
        {
            "date": dates[1:],
            "days": pay_days[1:],
            "collections": by_period,
            **{f"{name}_principal": principal[i] for i, name in enumerate(TRANCHES)},
        }
    )
    sold_flows = (sold[:, None] * principal).sum(axis=0)
    sold_payments = [(int(d), float(a)) for d, a in zip(pay_days[1:], sold_flows, strict=True)]
    cash_now = float(sold @ price) - costs["total"]
    sold_loss = (tranche_loss * (sold * promised_pv)).sum(axis=1)
    expected_tranche_loss = tranche_loss.mean(axis=0)
    paid_sold = (sold * (1.0 - expected_tranche_loss))[:, None] * principal
    with np.errstate(divide="ignore", invalid="ignore"):
        price_to_face = np.where(faces > 0, price / np.where(faces > 0, faces, 1.0), 0.0)
    per_face = np.where(faces > 0, promised_pv / np.where(faces > 0, faces, 1.0), 0.0)
    sold_funding = sold[:2] * price[:2] * (1.0 - per_face[:2])
    return AbsResult(
        issue_size=issue,
        expected_sales=float(expected_sales.sum()),
        tranches=tranches,
        payments=payments,
        vertical_retention=vertical,
        retention_rule=rule,
        costs=costs,
        cash_now=cash_now,
        minimum_issue=(terms.rating_fee + terms.legal_fee) / terms.max_fixed_cost_share,
        pool_loss=pool_loss,
        collections_pv=collections_pv,
        collections_company=collections_c,
        residual_pv=collections_pv - sold_paid_pv,
        residual_company=collections_c - sold_paid_c,
        sold_promised_pv=float(sold @ promised_pv),
        sold_expected_loss_pv=float((tranche_loss.mean(axis=0) * sold * promised_pv).sum()),
        sold_payments=sold_payments,
        all_in_cost=effective_annual_cost(t0, cash_now, sold_payments),
        pay_days=pay_days,
        residual_flows=by_period - paid_sold.sum(axis=0),
        sales_pv=sales_paths @ pay_factor[1:][sale_period],
        sold_loss_pv=sold_loss,
        funding_value=float(sold_funding.sum()),
        interest_pv=float((sold[:2] * (1.0 - price_to_face[:2]) * promised_pv[:2]).sum()),
    )


def abs_route(
    terms: AbsTerms,
    trade: TradeTerms,
    t0: dt.date,
    lots: Lots,
    invoices: np.ndarray,
    month_days: np.ndarray,
    scenarios: PriceScenarios,
    shocks: np.ndarray,
    curve: DiscountTable,
    company_rate: float,
    seed: int,
) -> tuple[AbsResult, Ledger]:
    """Securitise the receivables of the pool's sales, and the deal's ledger.

    Parameters
    ----------
    invoices : numpy.ndarray, shape (G, M + 1)
        The holding schedule's invoices per shock group and month end for the stock in
        the pool (the company's own: not consigned, not encumbered).
    month_days : numpy.ndarray of int64
        The holding schedule's month ends; the pool takes the first ``pool_months``.

    Returns
    -------
    (AbsResult, Ledger)
        The ledger is the deal's part on top of holding the stock: the pool's collections
        given up, the notes' price less costs now, and the vehicle's residual on each
        payment date. Per category it is spread by the category's share of the invoices.
    """
    pool_months = min(terms.pool_months, len(month_days) - 1)
    window = np.arange(1, pool_months + 1)
    pool = invoices[:, window]
    at_sales = shocks[:, :, scenarios.index_of(month_days[window])]
    deal = abs_deal(
        terms,
        trade,
        t0,
        month_days[window],
        pool.sum(axis=0),
        np.einsum("sgm,gm->sm", at_sales, pool),
        curve,
        company_rate,
        seed,
    )
    by_category_month = pool.T @ group_to_category(lots)  # (P, K)
    total = by_category_month.sum(axis=0)
    share = total / total.sum() if total.sum() > 0 else total
    collected = 1.0 - trade.bad_debt
    given_days = month_days[window] + trade.dso_days
    flows = np.zeros((len(share), len(curve.factors)))
    np.add.at(flows.T, given_days, -by_category_month * collected)
    flows[:, 0] += share * deal.cash_now
    np.add.at(flows.T, deal.pay_days[1:], np.outer(deal.residual_flows, share))
    given_pv = float((by_category_month.sum(axis=1) * collected * curve.discount(given_days)).sum())
    at_payment_pv = float(
        (deal.payments["collections"].to_numpy() * curve.discount(deal.pay_days[1:])).sum()
    )
    # Collections wait in the vehicle from their day to the next payment date.
    waiting = given_pv - at_payment_pv
    transferred = share * deal.sold_expected_loss_pv
    ledger = Ledger(
        market_value=np.zeros(len(share)),
        flows=flows,
        cash_now=share * deal.cash_now,
        pv_costs=share * (deal.costs["total"] + deal.interest_pv + waiting),
        loss_retained=-transferred,
        loss_transferred=transferred,
        funding_value=share * deal.funding_value,
        losses=spread(collected * deal.sales_pv - deal.collections_pv - deal.sold_loss_pv, share),
    )
    return deal, ledger
