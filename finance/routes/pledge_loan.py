"""Route 3, ``pledge_loan`` (库存质押融资): docs/model.md section 7, option 3.

The lender advances ``loan = min(requested, borrowing base)`` against the eligible stock,
which a third-party supervisor holds. The loan is spread over the pledged lots by their
lendable value. Pledged goods are sold only against repayment: when a lot's units sell
(at the holding schedule's month ends, or its forced or horizon sale), the company repays
that lot's loan pro rata, ``outstanding x units sold / units left``, so what is
outstanding follows the stock and the coverage ratio (value of the pledged goods left over
the loan outstanding) moves with prices alone; what is still outstanding is repaid at
maturity. Interest (simple, Actual/365 Fixed) and the supervisor's monitoring fee (per
year, on the expected value of the pledged goods left) accrue on what is outstanding and
are paid on a QuantLib schedule on the China calendar, modified following.

The trigger ladder of Chinese pledge practice is a set of coverage ratios checked on each
monitoring date (every ``revaluation_days`` business days): the warning line (警戒线), the
top-up line (补仓线) and the forced-sale line (平仓线). The probability of each is that of
coverage falling below it on some monitoring date (or being below it at drawdown). Below
the top-up line the company posts cash margin to bring coverage back to the warning line
(at drawdown already, which takes it out of the cash raised now); the margin sits with
the lender until maturity.

The lender's expected loss: the borrower may default at any time in the tenor (constant
hazard from the one-year ``borrower_pd``); defaulting in the interval ending on a
monitoring date (or maturity), the lender sells the pledged goods left over their
liquidation horizon and loses ``E[(outstanding - margin - proceeds at tau + H)+]``,
discounted on the curve. The company keeps the stock, so it keeps the whole holding loss.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from finance.collateral.dynamics import cell_factors, price_factor
from finance.collateral.lots import Lots, compact_codes
from finance.collateral.regulatory import firb_lgd
from finance.inputs.assumptions import PledgeLoanTerms
from finance.market.calendar import monitoring_dates, payment_dates
from finance.market.cashflows import effective_annual_cost
from finance.market.closed_forms import touch_probability
from finance.market.curve import DAYS_PER_YEAR, DiscountTable
from finance.market.scenarios import PriceScenarios
from finance.risk.holding import SaleTimeline, units_left
from finance.risk.pool import single_group
from finance.routes.ledger import Ledger, by_category

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

    Money in the currency; ``*_pv`` discounted on the curve.

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
    upfront_fee : float
    margin_at_drawdown : float
        Cash margin posted at drawdown when the loan starts below the top-up line.
    cash_now : float
        ``loan - upfront_fee - margin_at_drawdown``.
    schedule : pandas.DataFrame
        One row per payment date: ``date``, ``days``, ``accrual_years``,
        ``outstanding`` (at the period's start), ``interest``, ``monitoring_fee``,
        ``principal`` (repaid in the period), ``payment``, ``discount_factor``, ``pv``,
        ``expected_collateral`` (pledged goods left, expected value), ``expected_coverage``;
        the first row is the drawdown.
    repayments : numpy.ndarray, shape (E, 2)
        Days and principal repaid on each, as the pledged goods sell and at maturity.
    triggers : pandas.DataFrame
        One row per line: ``line``, ``coverage``, ``collateral_at_line`` (at drawdown),
        ``probability`` (simulated), ``probability_closed_form`` (QuantLib barrier engine
        with the discrete-monitoring correction; NaN unless the pool is a single lognormal
        group), ``std_error``.
    all_in_cost : float
        IRR of the company's loan cash flows, effective annual (Actual/365 Fixed).
    costs_pv : float
        Upfront fee, interest and monitoring fees, PV on the curve.
    funding_value : float
        Curve value of the principal and margin flows: the loan less the PV of its
        repayment, less the margin's time value.
    margin_call_probability : float
        Probability of at least one top-up (at drawdown included).
    expected_top_up : float
        Expected top-up cash on monitoring dates, PV on the curve.
    tenor_pd, lender_expected_loss, regulatory_lgd : float
        Borrower PD over the tenor, the lender's expected loss (PV, curve) and the Basel
        F-IRB LGD*.
    flows : numpy.ndarray, shape (D,)
        The company's expected loan cash flows per day (principal, interest, fees, margin).
    lender_losses : numpy.ndarray, shape (S,)
        The lender's loss in each price scenario (PV, curve), the default time averaged
        over: ``sum_j P(default in interval j) x shortfall_j x DF``. Its mean is
        ``lender_expected_loss``; a book sums them over borrowers scenario by scenario.
    """

    loan: float
    requested: float
    borrowing_base: float
    collateral_value: float
    coverage: float
    upfront_fee: float
    margin_at_drawdown: float
    cash_now: float
    schedule: pd.DataFrame
    repayments: np.ndarray
    triggers: pd.DataFrame
    all_in_cost: float
    costs_pv: float
    funding_value: float
    margin_call_probability: float
    expected_top_up: float
    tenor_pd: float
    lender_expected_loss: float
    regulatory_lgd: float
    flows: np.ndarray
    lender_losses: np.ndarray | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True, eq=False)
class PledgedPool:
    """The pledged goods as the loan sees them, on the loan's event days.

    Attributes
    ----------
    collateral_value : float
        Market value of the pledged goods at t0.
    event_days : numpy.ndarray of int64, shape (E,)
        Drawdown (0), the month ends, forced-sale days and payment days inside the tenor,
        and maturity.
    outstanding_share : numpy.ndarray, shape (E,)
        Share of the loan still outstanding after each event day's sales (1 at drawdown,
        before maturity's repayment at the last).
    expected_value : numpy.ndarray, shape (E,)
        Expected value of the pledged goods left on each event day.
    monitoring_days : numpy.ndarray of int64, shape (J,)
    paths : numpy.ndarray, shape (S, J)
        Value of the pledged goods left per scenario on each monitoring day.
    monitoring_share : numpy.ndarray, shape (J,)
        Share of the loan outstanding on each monitoring day.
    default_days : numpy.ndarray of int64, shape (J + 1,)
        Days a default is assessed on: the monitoring days and maturity.
    default_share : numpy.ndarray, shape (J + 1,)
        Share of the loan outstanding on them.
    proceeds : numpy.ndarray, shape (S, J + 1)
        What selling the goods left then fetches over their liquidation horizon.
    proceeds_day : numpy.ndarray of int64, shape (J + 1,)
        When that cash comes (the assessment day plus the longest horizon), for discounting.
    """

    collateral_value: float
    event_days: np.ndarray
    outstanding_share: np.ndarray
    expected_value: np.ndarray
    monitoring_days: np.ndarray
    paths: np.ndarray
    monitoring_share: np.ndarray
    default_days: np.ndarray
    default_share: np.ndarray
    proceeds: np.ndarray
    proceeds_day: np.ndarray


def _triggers(
    terms: PledgeLoanTerms,
    t0: dt.date,
    coverage0: float,
    lowest: np.ndarray,
    loan: float,
    monitoring: np.ndarray,
    single_group: SingleGroupPool | None,
) -> pd.DataFrame:
    n_scenarios = len(lowest)
    interval = float(np.diff(np.concatenate([[0], monitoring])).mean()) if len(monitoring) else 0.0
    rows = []
    for line in LINES:
        level = float(getattr(terms, line))
        hit = (lowest < level) | (coverage0 < level)
        p = float(hit.mean()) if loan > 0 else 0.0
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
    return pd.DataFrame(rows)


def pledge_loan(
    terms: PledgeLoanTerms,
    t0: dt.date,
    dates: LoanDates,
    borrowing_base: float,
    pool: PledgedPool,
    curve: DiscountTable,
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
        Sum of the pledged lots' lendable values (docs/model.md section 5).
    pool : PledgedPool
        The pledged goods on the loan's days and scenarios.
    curve : DiscountTable
        Its length sets the days of ``flows``.
    single_group : SingleGroupPool, optional
        Given when the closed-form cross-check of the trigger probabilities applies.

    Returns
    -------
    PledgeLoanResult
    """
    requested = terms.requested if terms.requested > 0 else borrowing_base
    loan = max(min(requested, borrowing_base), 0.0)
    upfront = terms.upfront_fee * loan
    maturity = dates.maturity_day
    events = pool.event_days
    outstanding = loan * pool.outstanding_share
    # Sales repay on event days; the maturity pays off the rest.
    repaid = np.concatenate([[0.0], -np.diff(outstanding)])
    repaid[-1] += outstanding[-1]
    pay_days = dates.payment_days
    # Interest and fee accrue over each event interval on what is outstanding in it.
    span = np.diff(events) / DAYS_PER_YEAR
    period = np.searchsorted(pay_days, events[1:], side="left")  # event interval -> payment
    interest = np.bincount(
        period, weights=terms.rate * outstanding[:-1] * span, minlength=len(pay_days)
    )[1:]
    fee = np.bincount(
        period,
        weights=terms.monitoring_fee * pool.expected_value[:-1] * span * (loan > 0),
        minlength=len(pay_days),
    )[1:]
    principal = np.bincount(
        np.searchsorted(pay_days, events, side="left"), weights=repaid, minlength=len(pay_days)
    )[1:]
    factors = curve.discount(pay_days)
    at_pay = np.searchsorted(events, pay_days, side="left")
    expected_at_pay = pool.expected_value[at_pay]
    owed_at_pay = outstanding[at_pay]
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage_at_pay = np.where(owed_at_pay > 0, expected_at_pay / owed_at_pay, np.inf)
    charges = interest + fee
    schedule = pd.DataFrame(
        {
            "date": list(dates.payment_dates),
            "days": pay_days,
            "accrual_years": np.concatenate([[0.0], np.diff(pay_days) / DAYS_PER_YEAR]),
            "outstanding": np.concatenate([[loan], outstanding[at_pay[:-1]]]),
            "interest": np.concatenate([[0.0], interest]),
            "monitoring_fee": np.concatenate([[0.0], fee]),
            "principal": np.concatenate([[-loan], principal]),
            "payment": np.concatenate([[-loan], charges + principal]),
            "discount_factor": factors,
            "pv": np.concatenate([[-loan], (charges + principal) * factors[1:]]),
            "expected_collateral": expected_at_pay,
            "expected_coverage": coverage_at_pay,
        }
    )
    costs_pv = upfront + float((charges * factors[1:]).sum())

    # Margin: at drawdown when the loan starts below the top-up line, then on monitoring
    # dates; it restores the warning line and is returned at maturity.
    coverage0 = pool.collateral_value / loan if loan > 0 else np.inf
    n_scenarios = pool.paths.shape[0]
    margin0 = 0.0
    if loan > 0 and pool.collateral_value < terms.top_up_line * loan:
        margin0 = terms.warning_line * loan - pool.collateral_value
    posted = np.full(n_scenarios, margin0)
    called = np.full(n_scenarios, margin0 > 0)
    top_ups = np.zeros(len(pool.monitoring_days))
    posted_at = np.zeros((n_scenarios, len(pool.default_days)))
    owed_monitoring = loan * pool.monitoring_share
    for j in range(len(pool.monitoring_days)):
        if loan > 0:
            value = pool.paths[:, j] + posted
            need = np.where(
                value < terms.top_up_line * owed_monitoring[j],
                terms.warning_line * owed_monitoring[j] - value,
                0.0,
            )
            called |= need > 0
            posted += need
            top_ups[j] = float(need.mean())
        posted_at[:, j] = posted
    posted_at[:, -1] = posted
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        coverage_paths = np.where(
            owed_monitoring[None, :] > 0, pool.paths / owed_monitoring[None, :], np.inf
        )
    lowest = coverage_paths.min(axis=1, initial=np.inf)
    # Once the goods are sold out nothing is owed and no line can be hit: the barrier
    # closed form runs over the monitoring days with a loan outstanding.
    live = pool.monitoring_days[owed_monitoring > 0]
    triggers = _triggers(terms, t0, coverage0, lowest, loan, live, single_group)

    n_days = len(curve.factors)
    flows = np.zeros(n_days)
    flows[0] += loan - upfront - margin0
    np.add.at(flows, events, -repaid)
    np.add.at(flows, pay_days[1:], -charges)
    np.add.at(flows, pool.monitoring_days, -top_ups)
    flows[maturity] += margin0 + float(top_ups.sum())
    df_maturity = float(curve.discount(maturity))
    top_up_pv = float((top_ups * curve.discount(pool.monitoring_days)).sum())
    funding = (
        loan
        - float((repaid * curve.discount(events)).sum())
        - margin0 * (1.0 - df_maturity)
        - (top_up_pv - float(top_ups.sum()) * df_maturity)
    )

    tenor_pd = 1.0 - (1.0 - terms.borrower_pd) ** (maturity / DAYS_PER_YEAR)
    survival = (1.0 - terms.borrower_pd) ** (
        np.concatenate([[0], pool.default_days]) / DAYS_PER_YEAR
    )
    default_probability = -np.diff(survival)
    owed = loan * pool.default_share
    shortfalls = np.maximum(owed[None, :] - posted_at - pool.proceeds, 0.0)
    shortfall = shortfalls.mean(axis=0)
    weight = default_probability * curve.discount(pool.proceeds_day)
    lender_el = float((default_probability * shortfall * curve.discount(pool.proceeds_day)).sum())
    lender_losses = shortfalls @ weight
    all_in = effective_annual_cost(
        t0,
        loan - upfront,
        [(int(d), float(a)) for d, a in zip(events[1:], repaid[1:], strict=True)]
        + [(int(d), float(a)) for d, a in zip(pay_days[1:], charges, strict=True)],
    )
    return PledgeLoanResult(
        loan=loan,
        requested=requested,
        borrowing_base=borrowing_base,
        collateral_value=pool.collateral_value,
        coverage=coverage0,
        upfront_fee=upfront,
        margin_at_drawdown=margin0,
        cash_now=loan - upfront - margin0,
        schedule=schedule,
        repayments=np.column_stack([events, repaid]),
        triggers=triggers,
        all_in_cost=all_in,
        costs_pv=costs_pv,
        funding_value=funding,
        margin_call_probability=float(called.mean()) if loan > 0 else 0.0,
        expected_top_up=top_up_pv,
        tenor_pd=tenor_pd,
        lender_expected_loss=lender_el,
        regulatory_lgd=firb_lgd(loan, pool.collateral_value),
        flows=flows,
        lender_losses=lender_losses,
    )


#: Above this many (erosion level x category) cells x days, the expected value of the goods
#: left is summed lot by lot on each event day instead of per cell.
MAX_CELL_DAYS = 5_000_000


def _release_schedule(
    lots: Lots,
    counts: np.ndarray,
    month_days: np.ndarray,
    maturity: int,
    payment_days: np.ndarray,
    allocation: np.ndarray,
    value: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """When the pledged goods sell, and what is outstanding and left after each sale day.

    Each lot's goods leave at the holding schedule's month ends (its monthly sales) and on
    its forced or horizon sale day (the rest); each departure repays the lot's part of the
    loan on its own day. Computed once per lot and month, not once per event day: the
    repayments are summed per day, and the goods' value per (erosion level x category)
    cell and day, whose price factor is one number.

    Returns
    -------
    event_days : numpy.ndarray of int64
        0, the month ends and every other sale day inside the tenor, the payment days and
        maturity.
    outstanding_share : numpy.ndarray
        Share of the loan outstanding after each event day's sales (1 at drawdown).
    expected_value : numpy.ndarray
        Expected value of the pledged goods left after each event day's sales.
    """
    n_days = maturity + 1
    q = lots.quantity
    horizon = int(month_days[-1])
    forced = lots.expiry_day - lots.param("forced_days").astype(np.int64)
    exit_day = np.minimum(np.maximum(forced, 0), horizon)
    ends = np.asarray(month_days[1:], dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_month = np.where(q > 0, lots.monthly_sales / q, 0.0)
    cells = lots.factor_index
    n_cells = lots.n_cells
    by_cell = n_cells * n_days <= MAX_CELL_DAYS
    repaid = np.zeros(n_days)
    gone = np.zeros(n_cells * n_days) if by_cell else None
    departures = []

    def depart(day: np.ndarray | int, fraction: np.ndarray) -> None:
        if np.ndim(day) == 0:  # a month end: one day for every lot
            if day < maturity:
                repaid[day] += float(allocation @ fraction)
                if by_cell:
                    gone[int(day) :: n_days] += np.bincount(
                        cells, weights=value * fraction, minlength=n_cells
                    )
            return
        inside = day < maturity
        repaid[:] += np.bincount(
            day[inside], weights=(allocation * fraction)[inside], minlength=n_days
        )
        if by_cell:
            flat = cells[inside] * n_days + day[inside]
            gone[:] += np.bincount(
                flat, weights=(value * fraction)[inside], minlength=n_cells * n_days
            )
        departures.append(np.unique(day[inside & (fraction > 0)]))

    left = np.ones(len(q))
    for m, end in enumerate(ends, start=1):
        if end >= maturity:
            break
        # Month ends before the forced-sale day sell; after it the lot is gone.
        now = np.where(end < forced, np.maximum(1.0 - per_month * m, 0.0), left)
        depart(int(end), left - now)
        left = now
    # The forced or horizon sale takes what the month ends left.
    sold_before = np.minimum(np.searchsorted(ends, exit_day, side="right"),
                             np.searchsorted(ends, forced, side="left"))  # fmt: skip
    depart(exit_day, np.maximum(1.0 - per_month * sold_before, 0.0))

    events = np.unique(np.concatenate([[0, maturity], ends, payment_days, *departures]))
    events = events[events <= maturity]
    outstanding = np.clip(1.0 - np.cumsum(repaid), 0.0, 1.0) * (allocation.sum() > 0)
    share = outstanding[events]
    share[0] = 1.0 if allocation.sum() > 0 else 0.0
    if by_cell:
        held = np.bincount(cells, weights=value, minlength=n_cells)
        remaining = held[:, None] - np.cumsum(gone.reshape(n_cells, n_days), axis=1)
        expected = np.empty(len(events))
        for e, day in enumerate(events):
            at_day = cell_factors(lots, counts, np.full(len(lots.categories), day))
            expected[e] = float(at_day @ remaining[:, day])
    else:
        expected = np.array(
            [
                float(
                    (value * units_left(lots, month_days, int(day)))
                    @ price_factor(lots, counts, int(day))
                )
                for day in events
            ]
        )
    expected[0] = float(value.sum())
    return events.astype(np.int64), share, expected


def pledged_pool(
    lots: Lots,
    counts: np.ndarray,
    month_days: np.ndarray,
    dates: LoanDates,
    weights: np.ndarray,
    lendable: np.ndarray,
    liquidation: np.ndarray,
    scenarios: PriceScenarios,
    shocks: np.ndarray,
) -> PledgedPool:
    """The pledged goods on the loan's days: what is left, its value and its sale.

    Parameters
    ----------
    lots : Lots
    counts : numpy.ndarray
        Season-end counts covering the loan's days plus the liquidation horizons.
    month_days : numpy.ndarray of int64
        The holding schedule's month ends (the pledged goods sell on them).
    dates : LoanDates
    weights : numpy.ndarray, shape (N,)
        Share of each lot pledged.
    lendable : numpy.ndarray, shape (N,)
        Lendable value of each whole lot: the loan is spread over the lots by it.
    liquidation : numpy.ndarray of int64, shape (N,)
        Each lot's liquidation horizon T_m + T_o in days.
    scenarios, shocks
        The shared scenarios; the grid holds the monitoring days and maturity (the
        horizons after them are drawn as increments, see
        :meth:`finance.market.scenarios.PriceScenarios.increments`).
    """
    maturity = dates.maturity_day
    pledged_lendable = weights * lendable
    total = float(pledged_lendable.sum())
    allocation = pledged_lendable / total if total > 0 else np.zeros_like(weights)
    value = weights * lots.market_value
    events, share, expected = _release_schedule(
        lots, counts, month_days, maturity, dates.payment_days, allocation, value
    )

    timeline = SaleTimeline.of(lots, month_days)
    horizon = np.zeros(len(lots.category_names), dtype=np.int64)
    horizon[lots.category] = liquidation  # T_m + T_o is a category's
    group_horizon = horizon[lots.group_category] / DAYS_PER_YEAR
    sigma = lots.group_sigma
    monitoring = dates.monitoring_days
    default_days = np.concatenate([monitoring, [maturity]]).astype(np.int64)
    n_scenarios = shocks.shape[0]
    paths = np.empty((n_scenarios, len(monitoring)))
    proceeds = np.empty((n_scenarios, len(default_days)))
    default_share = np.empty(len(default_days))
    # The goods' shock over the liquidation horizon after each assessment day.
    moves = scenarios.increments(horizon, default_days)[:, lots.group_category, :]
    # The goods held are summed per (shock group, price-factor cell) once a day: every lot
    # of a cell has the same expected price factor, so the day's value and its sale after
    # the category's horizon follow from those sums. A lot left that expires within the
    # horizon sells at salvage: corrected lot by lot, for those few.
    n_cells = lots.n_cells
    pairs, pair_of = compact_codes(lots.group * n_cells + lots.factor_index)
    pair_group, pair_cell = pairs // n_cells, pairs % n_cells
    to_group = np.zeros((len(pairs), lots.n_groups))
    to_group[np.arange(len(pairs)), pair_group] = 1.0
    kept = 1.0 - lots.category_param("orderly_discount")
    cell_category = lots.cell_category[pair_cell]
    expires_within = lots.expiry_day - horizon[lots.category]
    for j, day in enumerate(default_days):
        # At maturity the goods left are those before its sales: the loan is still owed.
        now = timeline.left(int(day) - 1 if day == maturity else int(day))
        default_share[j] = float(allocation @ now)
        held = value * now
        per_pair = np.bincount(pair_of, weights=held, minlength=len(pairs))
        if j < len(monitoring):
            at_day = cell_factors(lots, counts, np.full(len(lots.categories), day))
            amounts = (per_pair * at_day[pair_cell]) @ to_group
            paths[:, j] = shocks[:, :, int(scenarios.index_of(int(day)))] @ amounts
        after = cell_factors(lots, counts, day + horizon)
        sale = per_pair * after[pair_cell] * kept[cell_category]
        amounts = sale @ to_group
        salvaged = (expires_within <= day) & (held > 0)
        if salvaged.any():
            lost = held[salvaged] * after[lots.factor_index[salvaged]]
            lost *= (1.0 - lots.param("salvage")[salvaged]) * kept[lots.category[salvaged]]
            amounts -= np.bincount(lots.group[salvaged], lost, lots.n_groups)
        at_start = shocks[:, :, int(scenarios.index_of(int(day)))]
        growth = np.exp(sigma * moves[:, :, j] - 0.5 * sigma**2 * group_horizon)
        proceeds[:, j] = (at_start * growth) @ amounts
    return PledgedPool(
        collateral_value=float(value.sum()),
        event_days=events.astype(np.int64),
        outstanding_share=share,
        expected_value=expected,
        monitoring_days=monitoring,
        paths=paths,
        monitoring_share=default_share[:-1],
        default_days=default_days,
        default_share=default_share,
        proceeds=proceeds,
        proceeds_day=default_days + int(liquidation.max(initial=0)),
    )


def pledge_loan_route(
    terms: PledgeLoanTerms,
    t0: dt.date,
    lots: Lots,
    counts: np.ndarray,
    month_days: np.ndarray,
    dates: LoanDates,
    weights: np.ndarray,
    lendable: np.ndarray,
    liquidation: np.ndarray,
    scenarios: PriceScenarios,
    shocks: np.ndarray,
    curve: DiscountTable,
) -> tuple[PledgeLoanResult, Ledger]:
    """Value the loan on the pledged share ``weights`` of the lots, and its ledger.

    The ledger is the loan's own flows (principal, interest, fees, margin) on top of the
    holding schedule of the pledged goods, which stay the company's; per category it is
    spread by the category's share of the loan.
    """
    pool = pledged_pool(
        lots, counts, month_days, dates, weights, lendable, liquidation, scenarios, shocks
    )
    single = single_group(lots, counts, weights, dates.maturity_day)
    loan = pledge_loan(
        terms,
        t0,
        dates,
        float((weights * lendable).sum()),
        pool,
        curve,
        SingleGroupPool(*single) if single else None,
    )
    k = len(lots.category_names)
    share = by_category(weights * lendable, lots.category, k)
    share = share / share.sum() if share.sum() > 0 else share
    zeros = np.zeros(k)
    ledger = Ledger(
        market_value=zeros,
        flows=np.outer(share, loan.flows),
        cash_now=share * loan.cash_now,
        pv_costs=share * loan.costs_pv,
        loss_retained=zeros,
        loss_transferred=zeros,
        funding_value=share * loan.funding_value,
        losses=np.zeros((shocks.shape[0], k)),
    )
    return loan, ledger
