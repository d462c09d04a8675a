"""Price scenarios: the one-factor shock of docs/model.md section 2, per category.

    X_k(t) = exp(sigma W_k(t) - sigma^2 t / 2),   W_k = sqrt(rho) Z + sqrt(1 - rho) eps_k

with Z and eps_k independent standard Brownian motions, so that E[X_k(t)] = 1 and the
correlation of two categories' log shocks is rho. Lots of one category share W_k: the
simulation stores W_k on a time grid for categories x scenarios, never for lots, and
a portfolio's value in a scenario is a sum over shock groups of X times an aggregate
computed once from the lots (see :func:`group_totals`).

All routes draw on one :class:`PriceScenarios` built on the union of the dates they need,
so their differences are not simulation noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finance.market.curve import DAYS_PER_YEAR

#: The random streams drawn beside the price paths, each from the scenarios' seed: the
#: price moves after each loan assessment day (:meth:`PriceScenarios.increments`) and the
#: demand levels (:mod:`finance.risk.demand`). A book draws them once for all its borrowers
#: (:mod:`finance.market.shared`) from the same streams.
INCREMENT_STREAM = 0x1C2E
DEMAND_STREAM = 0xDE3A


def nearest_grid_index(grid: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Position in a sorted grid of days (at least two) nearest to each day.

    Ties go to the earlier grid day; days outside the grid map to its ends.
    """
    days = np.asarray(days, dtype=np.int64)
    right = np.clip(np.searchsorted(grid, days), 1, len(grid) - 1)
    left = right - 1
    closer_left = (days - grid[left]) <= (grid[right] - days)
    return np.where(closer_left, left, right)


@dataclass(frozen=True, slots=True, eq=False)
class PriceScenarios:
    """Simulated Brownian values W_k(t) on a grid of days.

    Attributes
    ----------
    days : numpy.ndarray of int64, shape (T,)
        Sorted calendar days from t0, starting at 0.
    brownian : numpy.ndarray, shape (S, K, T)
        W_k(t) per scenario, category and grid day (W_k(0) = 0).
    correlation : float
        rho, the weight of the common factor.
    seed : int
        The seed the scenarios were drawn with (further draws take their own stream).
    demand_normals : numpy.ndarray, shape (S, K), optional
        Pre-drawn ``xi`` of the demand levels (:meth:`DemandBins.scenario_bins
        <finance.risk.demand.DemandBins.scenario_bins>`); ``None``: drawn from ``seed``.
    increment_draws : IncrementDraws, optional
        Pre-drawn normals of :meth:`increments`; ``None``: drawn from ``seed``. Both are
        given by a book's :class:`finance.market.shared.SharedScenarios`, so that every
        borrower sees the same demand levels and horizon moves of a category.
    """

    days: np.ndarray
    brownian: np.ndarray
    correlation: float = 0.0
    seed: int = 0
    demand_normals: np.ndarray | None = None
    increment_draws: IncrementDraws | None = None

    def increments(self, horizon_days: np.ndarray, starts: int | np.ndarray) -> np.ndarray:
        """Brownian increments over each category's horizon, after each of ``starts`` days.

        ``W_k(t_j + H_k) - W_k(t_j)`` for start j and category k: independent of the path up
        to t_j (Brownian increments are), correlated across categories through the common
        factor over the part of their horizons they share. What a quantity on a start day
        and a horizon after it needs, without putting every start plus every horizon on
        the grid.

        Parameters
        ----------
        horizon_days : numpy.ndarray of int, shape (K,)
            Each category's horizon in calendar days.
        starts : int or numpy.ndarray of int
            J, the number of start days, or the start days themselves (needed when the
            normals are pre-drawn: they are taken by day).

        Returns
        -------
        numpy.ndarray, shape (S, K, J)

        Raises
        ------
        ValueError
            With pre-drawn normals, a start day or horizon they do not hold.
        """
        horizon = np.asarray(horizon_days, dtype=np.int64)
        if self.increment_draws is not None:
            return self.increment_draws.moves(
                horizon, np.atleast_1d(np.asarray(starts, dtype=np.int64)), self.correlation
            )
        if not isinstance(starts, int | np.integer):
            starts = len(starts)
        levels, level_of = np.unique(horizon, return_inverse=True)
        rng = np.random.default_rng((self.seed, INCREMENT_STREAM))
        steps = np.diff(np.concatenate([[0], levels])) / DAYS_PER_YEAR
        n_scenarios, n_categories = self.n_scenarios, self.brownian.shape[1]
        # The common factor along the horizons in order; each category's own over its own.
        # In place: two (S, J, K) arrays at most, not one per term.
        common = np.cumsum(
            rng.standard_normal((n_scenarios, starts, len(levels))) * np.sqrt(steps), axis=2
        )[:, :, level_of]
        common *= np.sqrt(self.correlation)
        moves = rng.standard_normal((n_scenarios, starts, n_categories))
        moves *= np.sqrt(horizon / DAYS_PER_YEAR)
        moves *= np.sqrt(1.0 - self.correlation)
        moves += common
        return moves.transpose(0, 2, 1)

    @property
    def n_scenarios(self) -> int:
        """Number of scenarios S."""
        return self.brownian.shape[0]

    def index_of(self, days: np.ndarray | int) -> np.ndarray:
        """Grid positions of days that are on the grid.

        Raises
        ------
        ValueError
            If a day is not a grid day.
        """
        days = np.asarray(days, dtype=np.int64)
        idx = np.searchsorted(self.days, days)
        if np.any(idx >= len(self.days)) or np.any(
            self.days[np.minimum(idx, len(self.days) - 1)] != days
        ):
            raise ValueError("day not on the scenario grid")
        return idx

    def nearest_index(self, days: np.ndarray) -> np.ndarray:
        """Grid position nearest to each day (ties to the earlier grid day)."""
        return nearest_grid_index(self.days, days)

    def shocks(self, group_category: np.ndarray, group_sigma: np.ndarray) -> np.ndarray:
        """Price shocks X_g(t) for shock groups on the whole grid.

        Parameters
        ----------
        group_category : numpy.ndarray of int64, shape (G,)
            Category of each group (index into the scenarios' categories).
        group_sigma : numpy.ndarray, shape (G,)
            Annual volatility of each group.

        Returns
        -------
        numpy.ndarray, shape (S, G, T)
        """
        t = self.days / DAYS_PER_YEAR
        sigma = group_sigma[None, :, None]
        drift = 0.5 * sigma**2 * t[None, None, :]
        # In place on the one (S, G, T) copy: the largest array of a valuation, made once.
        out = self.brownian[:, group_category, :]
        out *= sigma
        out -= drift
        return np.exp(out, out=out)


@dataclass(frozen=True, slots=True, eq=False)
class IncrementDraws:
    """Standard normals of :meth:`PriceScenarios.increments` drawn once for many valuations.

    Taken by start day and horizon (not by position), so that valuations with different
    start days and horizons share the moves of the days and horizons they have in common.

    Attributes
    ----------
    start_days : numpy.ndarray of int64, shape (J,)
        Sorted start days.
    levels : numpy.ndarray of int64, shape (L,)
        Sorted horizons in days.
    common : numpy.ndarray, shape (S, J, L)
        Normals of the common factor's steps from one horizon level to the next.
    own : numpy.ndarray, shape (S, J, K)
        Normals of each category's own move.
    """

    start_days: np.ndarray
    levels: np.ndarray
    common: np.ndarray
    own: np.ndarray

    def moves(self, horizon: np.ndarray, starts: np.ndarray, correlation: float) -> np.ndarray:
        """The increments for categories' horizons after start days, shape (S, K, J)."""
        j = _positions(self.start_days, starts, "start day")
        level = _positions(self.levels, horizon, "liquidation horizon")
        steps = np.diff(np.concatenate([[0], self.levels])) / DAYS_PER_YEAR
        common = np.cumsum(self.common[:, j, :] * np.sqrt(steps), axis=2)[:, :, level]
        common *= np.sqrt(correlation)
        moves = self.own[:, j, :] * np.sqrt(horizon / DAYS_PER_YEAR)
        moves *= np.sqrt(1.0 - correlation)
        moves += common
        return moves.transpose(0, 2, 1)

    def restricted(self, categories: np.ndarray) -> IncrementDraws:
        """The same draws for a subset of the categories (positions in ``own``)."""
        own = np.ascontiguousarray(self.own[:, :, categories])
        return IncrementDraws(self.start_days, self.levels, self.common, own)


def _positions(held: np.ndarray, wanted: np.ndarray, what: str) -> np.ndarray:
    """Positions of ``wanted`` in the sorted ``held``; a clear error for one it lacks."""
    wanted = np.asarray(wanted, dtype=np.int64)
    idx = np.minimum(np.searchsorted(held, wanted), max(len(held) - 1, 0))
    missing = wanted[(len(held) == 0) | (held[idx] != wanted)] if len(wanted) else wanted
    if len(missing):
        raise ValueError(f"{what} {int(missing[0])} not in the shared scenarios")
    return idx


def simulate_brownian(
    n_categories: int,
    correlation: float,
    days: np.ndarray,
    n_scenarios: int,
    seed: int,
) -> PriceScenarios:
    """Simulate the one-factor Brownian motions W_k on a grid of days.

    Parameters
    ----------
    n_categories : int
        K, the number of categories (each its own idiosyncratic motion eps_k).
    correlation : float
        rho in [0, 1], weight of the common factor Z.
    days : numpy.ndarray of int
        Grid days from t0 (any order, duplicates allowed; 0 is added).
    n_scenarios : int
        S.
    seed : int
        Seed of numpy's PCG64 generator: the same seed gives the same scenarios.

    Returns
    -------
    PriceScenarios
    """
    grid = np.unique(np.concatenate([[0], np.asarray(days, dtype=np.int64)]))
    dt_years = np.diff(grid) / DAYS_PER_YEAR
    rng = np.random.default_rng(seed)
    steps = len(dt_years)
    # Increments of Z (common) and of each eps_k, scaled to each step's length; in place,
    # so that the (S, K, T) draws and the motions are the only two arrays of that size.
    common = rng.standard_normal((n_scenarios, 1, steps)) * np.sqrt(dt_years)
    common *= np.sqrt(correlation)
    increments = rng.standard_normal((n_scenarios, n_categories, steps))
    increments *= np.sqrt(dt_years)
    increments *= np.sqrt(1.0 - correlation)
    increments += common
    brownian = np.zeros((n_scenarios, n_categories, len(grid)))
    np.cumsum(increments, axis=2, out=brownian[:, :, 1:])
    return PriceScenarios(grid, brownian, float(correlation), int(seed))


def group_totals(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum per-lot values by shock group (the aggregation that keeps cost off lots x scenarios).

    Parameters
    ----------
    values : numpy.ndarray, shape (N,) or (N, J)
        Per-lot amounts (optionally per grid position).
    group : numpy.ndarray of int64, shape (N,)
    n_groups : int

    Returns
    -------
    numpy.ndarray, shape (G,) or (G, J)
    """
    if values.ndim == 1:
        return np.bincount(group, weights=values, minlength=n_groups)
    width = values.shape[1]
    flat = (group[:, None] * width + np.arange(width)).ravel()
    totals = np.bincount(flat, weights=values.ravel(), minlength=n_groups * width)
    return totals.reshape(n_groups, width)
