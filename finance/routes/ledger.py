"""The one ledger: the company's side of a route as cash flows and their parts.

docs/model.md section 7a. Every route, and every part of a route (the stock it leaves
held, the financing on top, the mix of several routes), is a :class:`Ledger`: per
category, the company's expected cash flows on each day from t0, and the parts of their
value on the curve. Ledgers add, so a route's row is the sum of its parts and the mix is
the sum of the routes it uses, each unit of stock in exactly one of them.

The parts are tied to ``npv`` by one identity, held by a test on every route:

    npv = rate_effect + funding_value - pv_costs - expected_loss_retained

* ``pv_costs``: every explicit cost paid to others (selling costs, channel discounts and
  fees, storage, bad debt is *not* here but in the loss), PV on the curve;
* ``expected_loss_retained``: the expected loss of value of the stock and of the
  receivables its sales create (price, demand, age, customers' default, and the curve's
  time value of waiting for the cash) that the company still bears, PV on the curve;
* ``expected_loss_transferred``: the part of that loss others bear (investors, buyers);
* ``funding_value``: the curve value of the financing's principal (money raised now less
  the PV of its repayment); interest, coupons and fees are costs;
* ``rate_effect``: the difference between valuing the company's flows at its own rate
  and on the curve, ``sum_t E[CF_t] (DF_company(t) - DF_curve(t))``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

P95 = 0.95


@dataclass(frozen=True, eq=False)
class Ledger:
    """The company's side of a route, per category (money in the inventory's currency).

    Attributes
    ----------
    market_value : numpy.ndarray, shape (K,)
        Today's market value of the stock the ledger covers.
    flows : numpy.ndarray, shape (K, D)
        Expected company cash flow per category on each calendar day from t0.
    cash_now : numpy.ndarray, shape (K,)
        Cash raised at or near t0, PV on the curve.
    pv_costs : numpy.ndarray, shape (K,)
        Explicit costs paid to others, PV on the curve.
    loss_retained, loss_transferred : numpy.ndarray, shape (K,)
        Expected loss of value the company bears and the part others bear, PV on the curve.
    funding_value : numpy.ndarray, shape (K,)
        Curve value of the financing's principal flows.
    losses : numpy.ndarray, shape (S, K)
        Loss of value the company bears in each scenario, PV on the curve.
    """

    market_value: np.ndarray
    flows: np.ndarray
    cash_now: np.ndarray
    pv_costs: np.ndarray
    loss_retained: np.ndarray
    loss_transferred: np.ndarray
    funding_value: np.ndarray
    losses: np.ndarray

    @classmethod
    def empty(cls, n_categories: int, n_days: int, n_scenarios: int) -> Ledger:
        """A ledger that covers nothing."""
        k = np.zeros(n_categories)
        flows = np.zeros((n_categories, n_days))
        return cls(k, flows, k, k, k, k, k, np.zeros((n_scenarios, n_categories)))

    def _combine(self, other: Ledger, sign: float) -> Ledger:
        return Ledger(
            *(getattr(self, f.name) + sign * getattr(other, f.name) for f in fields(Ledger))
        )

    def __add__(self, other: Ledger) -> Ledger:
        return self._combine(other, 1.0)

    def __sub__(self, other: Ledger) -> Ledger:
        return self._combine(other, -1.0)

    def scale(self, shares: np.ndarray) -> Ledger:
        """The ledger of the share ``shares[k]`` of each category's part (all linear)."""
        x = np.asarray(shares, dtype=np.float64)
        return Ledger(
            market_value=self.market_value * x,
            flows=self.flows * x[:, None],
            cash_now=self.cash_now * x,
            pv_costs=self.pv_costs * x,
            loss_retained=self.loss_retained * x,
            loss_transferred=self.loss_transferred * x,
            funding_value=self.funding_value * x,
            losses=self.losses * x[None, :],
        )

    def npv(self, company_discount: np.ndarray) -> np.ndarray:
        """Per category: PV of the flows at the company's rate less today's market value."""
        return self.flows @ company_discount - self.market_value

    def npv_on_curve(self, curve_discount: np.ndarray) -> np.ndarray:
        """Per category: PV of the flows on the curve less today's market value."""
        return self.flows @ curve_discount - self.market_value

    def rate_effect(self, curve_discount: np.ndarray, company_discount: np.ndarray) -> np.ndarray:
        """Per category: the flows valued at the company's rate less on the curve."""
        return self.flows @ (company_discount - curve_discount)

    def totals(self, curve_discount: np.ndarray, company_discount: np.ndarray) -> dict[str, float]:
        """The comparison's money columns for the whole ledger (docs/model.md section 8)."""
        losses = self.losses.sum(axis=1)
        return {
            "cash_now": float(self.cash_now.sum()),
            "pv_costs": float(self.pv_costs.sum()),
            "expected_loss_retained": float(self.loss_retained.sum()),
            "expected_loss_transferred": float(self.loss_transferred.sum()),
            "loss_retained_p95": float(np.quantile(losses, P95)) if len(losses) else 0.0,
            "npv": float(self.npv(company_discount).sum()),
            "funding_value": float(self.funding_value.sum()),
            "rate_effect": float(self.rate_effect(curve_discount, company_discount).sum()),
        }


def by_category(values: np.ndarray, category: np.ndarray, n_categories: int) -> np.ndarray:
    """Sum per-lot values into their categories, shape (K,)."""
    return np.bincount(category, weights=values, minlength=n_categories)


def spread(total: float | np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Split a total (or per-scenario totals, shape (S,)) over categories by ``shares``.

    For the parts of a route that are not linear in its lots (a trust's residual, an
    ABS's tranches), which the mix needs per category: each category takes its share.
    """
    total_share = shares.sum()
    weights = shares / total_share if total_share > 0 else np.zeros_like(shares)
    total = np.asarray(total, dtype=np.float64)
    return total[..., None] * weights if total.ndim else float(total) * weights
