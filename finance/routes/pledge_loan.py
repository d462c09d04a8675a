"""Pledge loan (库存质押融资), MODEL.md section 7 option 3.

The lender advances ``loan = min(requested, borrowing base)`` against the eligible stock,
which a third-party supervisor holds. The company pays an upfront fee at drawdown, then
interest (simple, Actual/365 Fixed on the accrual period) and the supervisor's monitoring
fee (per year, on the expected value of the pledged goods at the start of each period) on
a QuantLib schedule on the China calendar, modified following, and repays the principal at
maturity from its sales (a bullet loan). Sales during the tenor release collateral pro rata
to repayment, so the coverage ratio (pledged value / loan) moves with prices alone.

The trigger ladder of Chinese pledge practice is a set of coverage ratios checked on each
monitoring date (every ``revaluation_days`` business days): the warning line (警戒线), the
top-up line (补仓线) and the forced-sale line (平仓线). The probability of each is that of
the coverage of the original pledge falling below it on some monitoring date (or already
being below it at drawdown). When coverage falls below the top-up line the company posts
cash margin to bring it back to the warning line (at drawdown already, if the loan starts
below the top-up line); the margin sits with the lender until maturity, so its cost to the
company is the time value of the cash.

The lender's expected loss is ``PD_T * E[(loan - proceeds at H)+]``, with the proceeds of
selling the pledged lots over their liquidation horizon (MODEL.md section 5) and ``PD_T =
1 - (1 - PD)^T`` the borrower's one-year probability of default scaled to the tenor.
The company keeps the stock, so it keeps the whole holding loss.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from finance.collateral.regulatory import firb_lgd
from finance.inputs.assumptions import PledgeLoanTerms
from finance.market.calendar import monitoring_dates, payment_dates
from finance.market.cashflows import effective_annual_cost
from finance.market.closed_forms import touch_probability
from finance.market.curve import DAYS_PER_YEAR, DiscountTable, flat_discount

LINES: tuple[str, ...] = ("warning_line", "top_up_line", "forced_sale_line")


@dataclass(frozen=True, slots=True)
class LoanDates:
    """The loan's calendar.

    Attributes
    ----------
    payment_dates : tuple of datetime.date
        Drawdown (t0) then each interest payment date; the last one is maturity.
    payment_days : numpy.ndarray of int64
        The same as calendar days from t0.
    monitoring_days : numpy.ndarray of int64
        Days of the collateral revaluations strictly inside the tenor.
    """

    payment_dates: tuple[dt.date, ...]
    payment_days: np.ndarray
    monitoring_days: np.ndarray

    @property
    def maturity_day(self) -> int:
        """Calendar days from t0 to maturity."""
        return int(self.payment_days[-1])


def loan_dates(t0: dt.date, terms: PledgeLoanTerms, revaluation_days: int) -> LoanDates:
    """Payment schedule and monitoring dates of the loan (China calendar).

    Parameters
    ----------
    t0 : datetime.date
        Drawdown, the valuation date.
    terms : PledgeLoanTerms
    revaluation_days : int
        Business days between collateral revaluations.
    """
    dates = payment_dates(t0, terms.tenor_months, terms.interest_period_months)
    monitoring = monitoring_dates(t0, dates[-1], revaluation_days)
    return LoanDates(
        payment_dates=tuple(dates),
        payment_days=np.array([(d - t0).days for d in dates], dtype=np.int64),
        monitoring_days=np.array([(d - t0).days for d in monitoring], dtype=np.int64),
    )


@dataclass(frozen=True, slots=True)
class SingleGroupPool:
    """A pledged pool with one price shock and pure erosion: the barrier closed form applies.

    Attributes
    ----------
    sigma, erosion : float
        Annual volatility and continuous erosion of the pool's value.
    """

    sigma: float
    erosion: float


@dataclass(frozen=True, eq=False)
class PledgeLoanResult:
    """Outcome of the pledge loan.

    Money in the currency; ``*_pv`` discounted on the curve, ``*_company`` at the
    company's rate.

    Attributes
    ----------
    loan : float
        Principal drawn, ``min(requested, borrowing_base)``.
    requested : float
        What was asked for (the borrowing base when the terms ask for 0).
    borrowing_base, collateral_value : float
        Borrowing base and market value of the pledged (eligible) stock at t0.
    coverage : float
        ``collateral_value / loan`` at drawdown (inf without a loan).
    upfront_fee, cash_now : float
        Fee at drawdown and the cash the company receives, ``loan - upfront_fee``.
    schedule : pandas.DataFrame
        One row per payment date: ``date``, ``days``, ``accrual_years``, ``interest``,
        ``monitoring_fee``, ``principal``, ``payment``, ``discount_factor``, ``pv``,
        ``expected_collateral``, ``expected_coverage``; the first row is the drawdown.
    triggers : pandas.DataFrame
        One row per line: ``line``, ``coverage`` (the ratio), ``collateral_at_line``,
        ``probability`` (simulated), ``probability_closed_form`` (QuantLib barrier engine
        with the discrete-monitoring correction; NaN unless the pool is a single
        lognormal group), ``std_error``.
    all_in_cost : float
        IRR of the company's loan cash flows, effective annual (Actual/365 Fixed).
    costs_pv : float
        Upfront fee plus interest and monitoring fees, PV on the curve.
    payments_company : float
        Interest, fees and principal, PV at the company's rate.
    margin_call_probability : float
        Probability of at least one top-up.
    expected_top_up, top_up_carry_company : float
        Expected top-up cash (PV, curve) and its expected time-value cost at the company's
        rate (cash posted on a monitoring date, returned at maturity).
    tenor_pd, lender_expected_loss, regulatory_lgd : float
        Borrower PD over the tenor, the lender's expected loss and the Basel F-IRB LGD*.
    """

    loan: float
    requested: float
    borrowing_base: float
    collateral_value: float
    coverage: float
    upfront_fee: float
    cash_now: float
    schedule: pd.DataFrame
    triggers: pd.DataFrame
    all_in_cost: float
    costs_pv: float
    payments_company: float
    margin_call_probability: float
    expected_top_up: float
    top_up_carry_company: float
    tenor_pd: float
    lender_expected_loss: float
    regulatory_lgd: float


def _schedule(
    terms: PledgeLoanTerms,
    dates: LoanDates,
    loan: float,
    expected_collateral: np.ndarray,
    curve: DiscountTable,
) -> pd.DataFrame:
    days = dates.payment_days
    accrual = np.diff(days) / DAYS_PER_YEAR
    interest = loan * terms.rate * accrual
    # No loan, no pledge and no supervisor to pay.
    fee = terms.monitoring_fee * accrual * expected_collateral[:-1] * (loan > 0)
    principal = np.zeros_like(accrual)
    principal[-1] = loan
    payment = interest + fee + principal
    factors = curve.discount(days)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        coverage = np.where(loan > 0, expected_collateral / loan, np.inf)
    return pd.DataFrame(
        {
            "date": list(dates.payment_dates),
            "days": days,
            "accrual_years": np.concatenate([[0.0], accrual]),
            "interest": np.concatenate([[0.0], interest]),
            "monitoring_fee": np.concatenate([[0.0], fee]),
            "principal": np.concatenate([[-loan], principal]),
            "payment": np.concatenate([[-loan], payment]),
            "discount_factor": factors,
            "pv": np.concatenate([[-loan], payment * factors[1:]]),
            "expected_collateral": expected_collateral,
            "expected_coverage": coverage,
        }
    )


def pledge_loan(
    terms: PledgeLoanTerms,
    t0: dt.date,
    dates: LoanDates,
    borrowing_base: float,
    collateral_value: float,
    expected_collateral: np.ndarray,
    collateral_paths: np.ndarray,
    liquidation_proceeds: np.ndarray,
    curve: DiscountTable,
    company_rate: float,
    single_group: SingleGroupPool | None = None,
) -> PledgeLoanResult:
    """Value the pledge loan for the company and the lender.

    Parameters
    ----------
    terms : PledgeLoanTerms
    t0 : datetime.date
    dates : LoanDates
        From :func:`loan_dates`.
    borrowing_base : float
        Sum of lendable values (MODEL.md section 5).
    collateral_value : float
        Market value at t0 of the pledged stock (the eligible lots).
    expected_collateral : numpy.ndarray, shape (P + 1,)
        Expected value of the pledged stock (original quantities) on each payment date,
        drawdown first.
    collateral_paths : numpy.ndarray, shape (S, J)
        Its value per scenario on each monitoring date.
    liquidation_proceeds : numpy.ndarray, shape (S,)
        Proceeds per scenario of selling the pledged lots over their liquidation horizon.
    curve : DiscountTable
    company_rate : float
        The company's discount rate, continuously compounded, Actual/365 Fixed.
    single_group : SingleGroupPool, optional
        Given when the closed-form cross-check of the trigger probabilities applies.

    Returns
    -------
    PledgeLoanResult
    """
    requested = terms.requested if terms.requested > 0 else borrowing_base
    loan = max(min(requested, borrowing_base), 0.0)
    upfront = terms.upfront_fee * loan
    schedule = _schedule(terms, dates, loan, np.asarray(expected_collateral, float), curve)
    days = dates.payment_days
    payments = schedule["payment"].to_numpy()[1:]
    costs_pv = upfront + float(
        ((schedule["interest"] + schedule["monitoring_fee"]) * schedule["discount_factor"]).sum()
    )
    payments_company = float((payments * flat_discount(company_rate, days[1:])).sum())
    all_in = effective_annual_cost(t0, loan - upfront, list(zip(days[1:], payments, strict=True)))

    n_scenarios = collateral_paths.shape[0]
    coverage0 = collateral_value / loan if loan > 0 else np.inf
    monitoring = dates.monitoring_days
    rows = []
    if loan > 0:
        with np.errstate(over="ignore"):
            lowest = collateral_paths.min(axis=1, initial=np.inf) / loan
    else:
        lowest = np.full(n_scenarios, np.inf)
    interval = float(np.diff(np.concatenate([[0], monitoring])).mean()) if len(monitoring) else 0.0
    for line in LINES:
        level = float(getattr(terms, line))
        hit = (lowest < level) | (coverage0 < level)
        p = float(hit.mean())
        closed = float("nan")
        if single_group is not None and loan > 0 and len(monitoring):
            closed = touch_probability(
                t0,
                coverage0,
                level,
                single_group.sigma,
                single_group.erosion,
                int(monitoring[-1]),
                interval,
            )
        rows.append(
            {
                "line": line,
                "coverage": level,
                "collateral_at_line": level * loan,
                "probability": p,
                "probability_closed_form": closed,
                "std_error": float(np.sqrt(p * (1 - p) / n_scenarios)),
            }
        )
    triggers = pd.DataFrame(rows)

    # Top-ups restore coverage to the warning line; the cash stays posted until maturity.
    posted = np.zeros(n_scenarios)
    top_up_pv = np.zeros(n_scenarios)
    carry = np.zeros(n_scenarios)
    maturity_df_c = flat_discount(company_rate, dates.maturity_day)
    called = np.zeros(n_scenarios, dtype=bool)
    if loan > 0 and collateral_value < terms.top_up_line * loan:
        # Below the top-up line at drawdown: the margin is posted at once.
        need = terms.warning_line * loan - collateral_value
        posted += need
        top_up_pv += need
        carry += need * (1.0 - maturity_df_c)
        called[:] = True
    if loan > 0:
        for j, day in enumerate(monitoring):
            value = collateral_paths[:, j] + posted
            need = np.where(
                value < terms.top_up_line * loan, terms.warning_line * loan - value, 0.0
            )
            called |= need > 0
            posted += need
            top_up_pv += need * curve.discount(int(day))
            carry += need * (flat_discount(company_rate, day) - maturity_df_c)

    tenor_pd = 1.0 - (1.0 - terms.borrower_pd) ** (dates.maturity_day / DAYS_PER_YEAR)
    shortfall = np.maximum(loan - liquidation_proceeds, 0.0)
    return PledgeLoanResult(
        loan=loan,
        requested=requested,
        borrowing_base=borrowing_base,
        collateral_value=collateral_value,
        coverage=coverage0,
        upfront_fee=upfront,
        cash_now=loan - upfront,
        schedule=schedule,
        triggers=triggers,
        all_in_cost=all_in,
        costs_pv=costs_pv,
        payments_company=payments_company,
        margin_call_probability=float(called.mean()) if loan > 0 else 0.0,
        expected_top_up=float(top_up_pv.mean()),
        top_up_carry_company=float(carry.mean()),
        tenor_pd=tenor_pd,
        lender_expected_loss=tenor_pd * float(shortfall.mean()),
        regulatory_lgd=firb_lgd(loan, collateral_value),
    )
