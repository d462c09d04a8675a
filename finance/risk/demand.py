"""Demand risk: each category's sell-through level per scenario (docs/model.md section 6a).

    D_k = exp(sigma_D,k V_k - sigma_D,k^2 / 2),   V_k ~ N(0, 1),   corr(V_k, W_k(1)) = rho_PD

drawn once per scenario for the whole horizon: the category's rate of sale is ``D_k`` times
its normal rate, and what does not sell stays held. ``V_k = rho_PD W_k(1) + sqrt(1 - rho_PD^2)
xi_k`` with ``W_k(1)`` the category's price Brownian motion at one year, so that when prices
fall, sales fall too (for ``rho_PD > 0``).

A lot's schedule is not linear in ``D`` (it sells out sooner or later), so it is computed
for a few demand *bins* per category, never per scenario: lots x bins, not lots x
scenarios. The range of ``V`` is cut at the normal quantiles :data:`BIN_PROBABILITIES`
(thin bins in the tails, where the 95% and 99% losses are read); each scenario takes the
bin its ``V_k`` falls in. A bin's demand level is the mean of ``D`` over the bin,

    D_l = (Phi(b_(l+1) - s) - Phi(b_l - s)) / (Phi(b_(l+1)) - Phi(b_l)),   s = sigma_D,

so the bins keep ``E[D] = 1`` exactly.

Expected figures weigh each bin. A sale at time ``t`` fetches the price shock ``X(t)`` times
the expected price; ``E[X(t) 1{V in bin l}] = Phi(b_(l+1) - mu) - Phi(b_l - mu)`` with
``mu = rho_PD sigma min(t, 1)``: weighing by ``X(t)`` moves ``V``'s mean by its covariance
with ``log X(t)``. These *tilted* weights apply to everything paid in proportion to the
price (sales, selling costs); storage follows the goods, so it takes the bins' plain
probabilities. With them the expected figures are exactly the mean the scenarios converge
to. With every ``sigma_D = 0`` there is one bin, ``D = 1``, and the schedule is section 6's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from finance.market.curve import DAYS_PER_YEAR
from finance.market.scenarios import DEMAND_STREAM, PriceScenarios

#: Normal probabilities at which V's range is cut: bins of 2%, 8%, 15%, 25%, 25%, 15%, 8%, 2%.
BIN_PROBABILITIES: tuple[float, ...] = (0.02, 0.10, 0.25, 0.50, 0.75, 0.90, 0.98)
#: The day the demand level's correlation with the price is taken at: one year (t = 1).
DEMAND_DAY = int(DAYS_PER_YEAR)

_cdf = np.frompyfunc(lambda x: 0.5 * math.erfc(-x / math.sqrt(2.0)), 1, 1)


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Standard normal distribution function, elementwise (exact at +-inf)."""
    return np.asarray(_cdf(np.asarray(x, dtype=np.float64)), dtype=np.float64)


#: The bins' edges in V, from -inf to +inf.
BIN_EDGES: np.ndarray = np.array(
    [-np.inf, *(NormalDist().inv_cdf(p) for p in BIN_PROBABILITIES), np.inf]
)


@dataclass(frozen=True, slots=True, eq=False)
class DemandBins:
    """The demand bins of the categories of a valuation.

    Attributes
    ----------
    edges : numpy.ndarray, shape (L + 1,)
        Bin edges in V, ``-inf`` to ``inf``.
    levels : numpy.ndarray, shape (K, L)
        Demand level ``D_l`` of each category in each bin (1 where ``sigma_D = 0``).
    correlation : float
        rho_PD.
    """

    edges: np.ndarray
    levels: np.ndarray
    correlation: float

    @classmethod
    def of(cls, demand_sigma: np.ndarray, correlation: float) -> DemandBins:
        """The bins for the categories' ``demand_sigma`` (one bin when all are 0)."""
        s = np.asarray(demand_sigma, dtype=np.float64)
        if not np.any(s > 0):
            return cls.none(len(s), correlation)
        edges = BIN_EDGES
        mass = np.diff(normal_cdf(edges))
        shifted = np.diff(normal_cdf(edges[None, :] - s[:, None]), axis=1)
        return cls(edges, shifted / mass[None, :], float(correlation))

    @classmethod
    def none(cls, n_categories: int, correlation: float = 0.0) -> DemandBins:
        """No demand risk: one bin, ``D = 1``."""
        return cls(np.array([-np.inf, np.inf]), np.ones((n_categories, 1)), float(correlation))

    @property
    def n_bins(self) -> int:
        """L, the number of bins."""
        return self.levels.shape[1]

    @property
    def mass(self) -> np.ndarray:
        """Probability of each bin, shape (L,)."""
        return np.diff(normal_cdf(self.edges))

    def tilted(self, sigma: np.ndarray, days: np.ndarray) -> np.ndarray:
        """``E[X(t) 1{V in bin}]`` for price volatilities ``sigma`` and days ``days``.

        Parameters
        ----------
        sigma : numpy.ndarray, shape (G,)
            Annual price volatility of each shock group.
        days : numpy.ndarray of int, shape (J,)
            Calendar days from t0.

        Returns
        -------
        numpy.ndarray, shape (G, L, J)
            Sums to 1 over the bins.
        """
        t = np.minimum(np.asarray(days, dtype=np.float64) / DAYS_PER_YEAR, 1.0)
        mu = self.correlation * np.asarray(sigma, dtype=np.float64)[:, None] * t[None, :]
        if self.n_bins == 1:
            return np.ones((len(mu), 1, len(t)))
        # Only the distinct values of mu need the distribution function.
        values, where = np.unique(mu, return_inverse=True)
        cdf = normal_cdf(self.edges[None, :] - values[:, None])
        weights = np.diff(cdf, axis=1)[where.reshape(-1)]  # (G * J, L)
        return weights.reshape((*mu.shape, self.n_bins)).transpose(0, 2, 1)

    def scenario_bins(self, scenarios: PriceScenarios) -> np.ndarray:
        """The bin of each scenario and category, shape (S, K).

        ``V = rho_PD W(1) + sqrt(1 - rho_PD^2) xi`` with ``xi`` from the scenarios' own seed
        (a stream of its own: the prices do not change), or the scenarios' pre-drawn
        ``demand_normals`` when they have them (a book's shared scenarios).

        Raises
        ------
        ValueError
            If the scenarios' grid lacks :data:`DEMAND_DAY`.
        """
        n_scenarios, n_categories = scenarios.n_scenarios, scenarios.brownian.shape[1]
        if self.n_bins == 1:
            return np.zeros((n_scenarios, n_categories), dtype=np.int64)
        at_year = scenarios.brownian[:, :, int(scenarios.index_of(DEMAND_DAY))]
        if scenarios.demand_normals is not None:
            v = np.array(scenarios.demand_normals, dtype=np.float64)  # a copy: changed below
        else:
            rng = np.random.default_rng((scenarios.seed, DEMAND_STREAM))
            v = rng.standard_normal((n_scenarios, n_categories))
        v *= math.sqrt(max(1.0 - self.correlation**2, 0.0))
        v += self.correlation * at_year
        return np.searchsorted(self.edges[1:-1], v, side="right").astype(np.int64)
