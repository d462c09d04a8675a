"""Warehouse-receipt trust (仓单信托), docs/model.md section 7 option 4.

The receipt-eligible, eligible lots are sold to a trust at ``MV (1 - transfer discount)``,
the transfer price. The trust sells senior units, ``(1 - s)`` of the transfer price, to
investors; the company keeps the subordinated units, ``s``. Its cash now is the senior
proceeds less the upfront fee (a share of the transfer price).

At maturity T the trust sells the goods for ``P(T) (1 - d_o)`` a unit and pays, in order:

1. trust expenses: the trustee fee (per year on the transfer price) and the warehouse's
   storage (``storage_cost`` per year of the goods' value today: storage follows the
   goods, as in section 6);
2. the senior claim, ``senior principal (1 + coupon tau)``, tau = T / 365;
3. the subordinated units, the rest.

Money is conserved: proceeds (plus any buyback payment) = expenses + senior + subordinated.
Investors bear the senior shortfall. For a single lognormal pool with expected proceeds F
and expenses E it is ``E[min(K, (K + E - V)+)] = Put(K + E) - Put(E)``, two European puts
on the pool, priced with QuantLib's analytic engine to check the simulation.

With a buyback obligation (回购) the company pays whatever the senior claim and the
expenses lack: the investors bear nothing, and the trust is secured borrowing in substance.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from finance.collateral.lots import Lots
from finance.inputs.assumptions import ReceiptTrustTerms
from finance.market.cashflows import effective_annual_cost
from finance.market.closed_forms import lognormal_put
from finance.market.curve import DAYS_PER_YEAR, DiscountTable
from finance.market.scenarios import PriceScenarios
from finance.risk.pool import pool_amounts, single_group
from finance.routes.hold import group_to_category
from finance.routes.ledger import Ledger, by_category, spread

WATERFALL_LINES: tuple[str, ...] = (
    "sale_proceeds",
    "buyback_payment",
    "trustee_fee",
    "storage",
    "senior_units",
    "subordinated_units",
)


@dataclass(frozen=True, eq=False)
class Waterfall:
    """Trust cash at maturity per scenario (currency, undiscounted).

    ``proceeds + buyback == trustee_fee + storage + senior + subordinated`` in every
    scenario.
    """

    proceeds: np.ndarray
    buyback: np.ndarray
    trustee_fee: np.ndarray
    storage: np.ndarray
    senior: np.ndarray
    subordinated: np.ndarray

    def lines(self) -> dict[str, np.ndarray]:
        """The waterfall lines in order, keyed as ``WATERFALL_LINES``."""
        return dict(
            zip(
                WATERFALL_LINES,
                (
                    self.proceeds,
                    self.buyback,
                    self.trustee_fee,
                    self.storage,
                    self.senior,
                    self.subordinated,
                ),
                strict=True,
            )
        )


def waterfall(
    proceeds: np.ndarray,
    trustee_fee: float,
    storage: float,
    senior_claim: float,
    buyback: bool,
) -> Waterfall:
    """Pay the trust's sale proceeds out in order: expenses, senior, subordinated.

    Parameters
    ----------
    proceeds : numpy.ndarray, shape (S,)
        Sale proceeds of the goods at maturity per scenario.
    trustee_fee, storage : float
        Expenses due at maturity.
    senior_claim : float
        Senior principal with its coupon.
    buyback : bool
        The company tops the proceeds up to pay expenses and the senior claim in full.
    """
    proceeds = np.asarray(proceeds, dtype=np.float64)
    due = trustee_fee + storage
    top_up = np.maximum(due + senior_claim - proceeds, 0.0) if buyback else np.zeros_like(proceeds)
    cash = proceeds + top_up
    expenses = np.minimum(due, cash)
    # Each expense takes its own share of what is paid: 1 - trustee share would lose the
    # precision of a small expense next to a large one.
    trustee_share, storage_share = (trustee_fee / due, storage / due) if due > 0 else (0.0, 0.0)
    senior = np.minimum(senior_claim, cash - expenses)
    return Waterfall(
        proceeds=proceeds,
        buyback=top_up,
        trustee_fee=expenses * trustee_share,
        storage=expenses * storage_share,
        senior=senior,
        subordinated=cash - expenses - senior,
    )


def fair_senior_claim(available: np.ndarray, principal: float, discount: float) -> float:
    """Senior claim K with ``discount * E[min(K, available)] = principal``.

    The claim that prices the senior units at par on the curve given the scenarios; NaN
    when even all the proceeds are worth less than the principal.
    """
    values = np.sort(np.maximum(np.asarray(available, dtype=np.float64), 0.0))
    n = len(values)
    if n == 0 or discount * values.mean() < principal:
        return float("nan")
    below = np.concatenate([[0.0], np.cumsum(values)])

    def expected_min(claim: float) -> float:
        k = int(np.searchsorted(values, claim))
        return (below[k] + claim * (n - k)) / n

    lo, hi = 0.0, float(values[-1])  # df > 1 (negative rates) puts the claim below par
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if discount * expected_min(mid) < principal:
            lo = mid
        else:
            hi = mid
    return hi


@dataclass(frozen=True, eq=False)
class ReceiptTrustResult:
    """Outcome of the warehouse-receipt trust (currency; PV on the curve unless noted).

    Attributes
    ----------
    pool_value : float
        Market value of the lots the trust takes.
    transfer_price, senior_principal, subordinated_principal : float
    upfront_fee, cash_now : float
        Fee at t0 and the company's cash, senior proceeds less the fee.
    maturity_day : int
    years : float
        tau = maturity_day / 365.
    senior_claim : float
        Senior principal with its coupon, due at maturity.
    flows : Waterfall
        Per-scenario waterfall at maturity.
    waterfall_table : pandas.DataFrame
        Per line: ``expected``, ``pv``, ``p05``, ``p95`` (undiscounted quantiles).
    senior_shortfall_pv, senior_shortfall_std_error : float
        What the investors lose in expectation (PV) and its standard error.
    senior_shortfall_closed_form : float
        The same from QuantLib's analytic puts for a single lognormal pool, else NaN.
    fair_senior_coupon : float
        Coupon (simple, Actual/365 Fixed) that would price the senior units at par on the
        curve for the risk they bear; NaN when no coupon suffices.
    curve_rate : float
        The curve's simple rate to maturity, for comparison.
    all_in_cost : float
        Effective annual rate (Actual/365 Fixed) from the cash now to the contractual
        senior claim and trustee fee at maturity (as the loan's and the notes' costs are
        contractual; the investors' expected loss shows in the fair senior coupon).
    buyback : bool
    offered_coupon : float
        The offered senior coupon when the trust is priced at the fair one above it (the
        investors would not buy at the offer), else NaN.
    """

    pool_value: float
    transfer_price: float
    senior_principal: float
    subordinated_principal: float
    upfront_fee: float
    cash_now: float
    maturity_day: int
    years: float
    senior_claim: float
    flows: Waterfall
    waterfall_table: pd.DataFrame
    senior_shortfall_pv: float
    senior_shortfall_std_error: float
    senior_shortfall_closed_form: float
    fair_senior_coupon: float
    curve_rate: float
    all_in_cost: float
    buyback: bool
    offered_coupon: float = float("nan")

    @property
    def repriced(self) -> bool:
        """Whether the trust is priced at the coupon investors need, above the offer."""
        return not np.isnan(self.offered_coupon)

    @property
    def company_at_maturity(self) -> np.ndarray:
        """What the company receives at maturity per scenario: subordinated less buyback."""
        return self.flows.subordinated - self.flows.buyback

    @property
    def senior_shortfall(self) -> np.ndarray:
        """Senior claim unpaid per scenario (undiscounted)."""
        return self.senior_claim - self.flows.senior


def receipt_trust(
    terms: ReceiptTrustTerms,
    t0: dt.date,
    maturity_day: int,
    pool_value: float,
    proceeds: np.ndarray,
    expected_proceeds: float,
    storage: float,
    curve: DiscountTable,
    single_group_sigma: float | None = None,
) -> ReceiptTrustResult:
    """Value the trust for the company and its investors.

    Parameters
    ----------
    terms : ReceiptTrustTerms
    t0 : datetime.date
    maturity_day : int
        Calendar days from t0 to maturity.
    pool_value : float
        Market value at t0 of the lots sold to the trust.
    proceeds : numpy.ndarray, shape (S,)
        Their sale proceeds at maturity, ``sum q P(T) (1 - d_o)``, per scenario.
    expected_proceeds : float
        E[proceeds] in closed form (the shocks have mean 1).
    storage : float
        Storage of those goods over the tenor, due at maturity.
    curve : DiscountTable
    single_group_sigma : float, optional
        Volatility of the pool when it is one lognormal shock group; enables the
        closed-form check of the senior shortfall.
    """
    years = maturity_day / DAYS_PER_YEAR
    transfer = pool_value * (1.0 - terms.transfer_discount)
    senior_principal = transfer * (1.0 - terms.subordinated_share)
    upfront = terms.upfront_fee * transfer
    claim = senior_principal * (1.0 + terms.senior_coupon * years)
    trustee = terms.trustee_fee * years * transfer
    flows = waterfall(proceeds, trustee, storage, claim, terms.buyback)
    discount = float(curve.discount(maturity_day))
    shortfall = claim - flows.senior
    n = len(shortfall)

    closed = float("nan")
    if single_group_sigma is not None and not terms.buyback:
        due = trustee + storage
        closed = discount * (
            lognormal_put(t0, expected_proceeds, claim + due, single_group_sigma, maturity_day)
            - lognormal_put(t0, expected_proceeds, due, single_group_sigma, maturity_day)
        )

    if terms.buyback:
        # Investors bear no risk: par needs only the curve.
        fair_claim = senior_principal / discount if senior_principal > 0 else float("nan")
    else:
        fair_claim = fair_senior_claim(proceeds - trustee - storage, senior_principal, discount)
    fair_coupon = (
        (fair_claim / senior_principal - 1.0) / years if senior_principal > 0 else float("nan")
    )

    table = pd.DataFrame(
        [
            {
                "line": name,
                "expected": float(values.mean()),
                "pv": float(values.mean()) * discount,
                "p05": float(np.quantile(values, 0.05)),
                "p95": float(np.quantile(values, 0.95)),
            }
            for name, values in flows.lines().items()
        ]
    )
    return ReceiptTrustResult(
        pool_value=pool_value,
        transfer_price=transfer,
        senior_principal=senior_principal,
        subordinated_principal=transfer - senior_principal,
        upfront_fee=upfront,
        cash_now=senior_principal - upfront,
        maturity_day=maturity_day,
        years=years,
        senior_claim=claim,
        flows=flows,
        waterfall_table=table,
        senior_shortfall_pv=float(shortfall.mean()) * discount,
        senior_shortfall_std_error=float(shortfall.std(ddof=1) / np.sqrt(n)) * discount
        if n > 1
        else 0.0,
        senior_shortfall_closed_form=closed,
        fair_senior_coupon=fair_coupon,
        curve_rate=(1.0 / discount - 1.0) / years,
        all_in_cost=effective_annual_cost(
            t0,
            senior_principal - upfront,
            [(maturity_day, claim + trustee)],
        ),
        buyback=terms.buyback,
    )


def receipt_trust_route(
    terms: ReceiptTrustTerms,
    t0: dt.date,
    lots: Lots,
    counts: np.ndarray,
    weights: np.ndarray,
    maturity_day: int,
    scenarios: PriceScenarios,
    shocks: np.ndarray,
    curve: DiscountTable,
) -> tuple[ReceiptTrustResult, Ledger]:
    """Sell the share ``weights`` of the lots to the trust; its result and its ledger.

    When the offered senior coupon is below the coupon the investors' risk needs, the
    trust is priced at that fair coupon (``result.offered_coupon`` keeps the offer).
    The ledger covers the goods in the trust: the cash now, the subordinated units'
    expected payout at maturity, and the parts of their value (docs/model.md section 7a),
    with expectations over the shared scenarios. Per category, what depends on the whole
    pool (coupon, fees, the residual) is spread by the category's share of its value.
    """
    day = np.array([maturity_day])
    index = scenarios.index_of(day)
    gross_amounts = pool_amounts(lots, counts, weights, day)[:, 0]
    net_amounts = pool_amounts(lots, counts, weights * (1.0 - lots.param("orderly_discount")), day)
    at_maturity = shocks[:, :, index[0]]
    to_category = group_to_category(lots)
    gross = (at_maturity * gross_amounts[None, :]) @ to_category  # (S, K)
    net = (at_maturity * net_amounts[None, :, 0]) @ to_category
    proceeds = net.sum(axis=1)
    value = weights * lots.market_value
    storage = float((value * lots.param("storage_cost")).sum() * maturity_day / DAYS_PER_YEAR)
    single = single_group(lots, counts, weights, maturity_day)

    def priced(coupon: float) -> ReceiptTrustResult:
        return receipt_trust(
            dataclasses.replace(terms, senior_coupon=coupon),
            t0,
            maturity_day,
            float(value.sum()),
            proceeds,
            float(net_amounts.sum()),
            storage,
            curve,
            single[0] if single else None,
        )

    trust = priced(terms.senior_coupon)
    fair = trust.fair_senior_coupon
    if not terms.buyback and np.isfinite(fair) and fair > terms.senior_coupon:
        trust = dataclasses.replace(priced(fair), offered_coupon=terms.senior_coupon)

    k = len(lots.category_names)
    mv = by_category(value, lots.category, k)
    share = mv / mv.sum() if mv.sum() > 0 else mv
    df = float(curve.discount(maturity_day))
    flows = np.zeros((k, len(curve.factors)))
    flows[:, 0] = share * trust.cash_now
    flows[:, maturity_day] = share * float(trust.company_at_maturity.mean())
    expenses = float((trust.flows.trustee_fee + trust.flows.storage).mean())
    coupon = trust.senior_claim - trust.senior_principal
    shortfall = trust.senior_shortfall * df
    gross_pv = gross * df
    transferred = share * float(shortfall.mean())
    ledger = Ledger(
        market_value=mv,
        flows=flows,
        cash_now=share * trust.cash_now,
        pv_costs=share * (trust.upfront_fee + df * (expenses + coupon))
        + df * (gross.mean(axis=0) - net.mean(axis=0)),
        loss_retained=mv - gross_pv.mean(axis=0) - transferred,
        loss_transferred=transferred,
        funding_value=share * trust.senior_principal * (1.0 - df),
        losses=mv[None, :] - gross_pv - spread(shortfall, share),
    )
    return trust, ledger
