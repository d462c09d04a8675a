"""Scenarios shared by many valuations: a lender's book (docs/model.md, "The book").

Every borrower of a book is valued on one draw of the category price paths, so that a
copper price fall hits every borrower holding copper in the same scenario and the
lender's losses add up scenario by scenario. :func:`draw_shared` draws once, for every
category of the book (in a fixed order, by name) on the union of the days the borrowers'
valuations look at:

- the Brownian motions ``W_k(t)`` (:func:`finance.market.scenarios.simulate_brownian`);
- the demand levels' own normals ``xi_k`` (:mod:`finance.risk.demand`), one per scenario
  and category;
- the normals of the moves over the liquidation horizon after each assessment day
  (:meth:`PriceScenarios.increments`), by start day and horizon.

:meth:`SharedScenarios.for_valuation` gives one valuation its categories' rows and its own
grid days of them, as a :class:`PriceScenarios` that carries the pre-drawn normals.
Everything is plain numpy: the set travels to other processes as it is.

A book with one borrower draws exactly what that borrower's own valuation draws (the same
seed, streams and shapes), so its figures equal a plain ``evaluate``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finance.market.scenarios import (
    DEMAND_STREAM,
    INCREMENT_STREAM,
    IncrementDraws,
    PriceScenarios,
    simulate_brownian,
)


@dataclass(frozen=True, slots=True, eq=False)
class SharedScenarios:
    """One set of scenarios for every category and day of a book.

    Attributes
    ----------
    categories : tuple of str
        The book's categories, in the order of the arrays' category axis.
    prices : PriceScenarios
        ``W_k(t)`` on the union of the grid days, with ``demand_normals`` (S, K) and
        ``increment_draws`` for all the categories.
    """

    categories: tuple[str, ...]
    prices: PriceScenarios

    @property
    def n_scenarios(self) -> int:
        """S."""
        return self.prices.n_scenarios

    @property
    def correlation(self) -> float:
        """rho, the weight of the common price factor."""
        return self.prices.correlation

    def for_valuation(self, categories: tuple[str, ...], days: np.ndarray) -> PriceScenarios:
        """The scenarios of one valuation: its categories' rows on its own grid days.

        Parameters
        ----------
        categories : tuple of str
            The valuation's categories, in its own order.
        days : numpy.ndarray of int
            Its grid days (any order, duplicates allowed; 0 is added).

        Raises
        ------
        ValueError
            A category or day the shared set does not hold, named.
        """
        index = {name: i for i, name in enumerate(self.categories)}
        missing = [name for name in categories if name not in index]
        if missing:
            raise ValueError(f"category {missing[0]!r} not in the shared scenarios")
        rows = np.array([index[name] for name in categories], dtype=np.int64)
        grid = np.unique(np.concatenate([[0], np.asarray(days, dtype=np.int64)]))
        p = self.prices
        columns = np.searchsorted(p.days, grid)
        inside = columns < len(p.days)
        bad = grid[~inside | (p.days[np.minimum(columns, len(p.days) - 1)] != grid)]
        if len(bad):
            raise ValueError(f"day {int(bad[0])} not in the shared scenarios")
        # C-ordered as a valuation's own draws are (sums round the same way).
        brownian = np.ascontiguousarray(p.brownian[:, rows, :][:, :, columns])
        assert p.demand_normals is not None and p.increment_draws is not None
        return PriceScenarios(
            grid,
            brownian,
            p.correlation,
            p.seed,
            demand_normals=np.ascontiguousarray(p.demand_normals[:, rows]),
            increment_draws=p.increment_draws.restricted(rows),
        )


def draw_shared(
    categories: tuple[str, ...],
    days: np.ndarray,
    start_days: np.ndarray,
    horizons: np.ndarray,
    correlation: float,
    n_scenarios: int,
    seed: int,
) -> SharedScenarios:
    """Draw the book's scenarios once.

    Parameters
    ----------
    categories : tuple of str
        Every category of the book, in a fixed order.
    days : numpy.ndarray of int
        The union of the valuations' grid days.
    start_days : numpy.ndarray of int
        The union of their assessment days (the horizon moves start on them).
    horizons : numpy.ndarray of int
        The union of their categories' liquidation horizons, in days.
    correlation : float
    n_scenarios : int
    seed : int

    Returns
    -------
    SharedScenarios
    """
    k = len(categories)
    prices = simulate_brownian(k, correlation, np.asarray(days, np.int64), n_scenarios, seed)
    demand = np.random.default_rng((seed, DEMAND_STREAM)).standard_normal((n_scenarios, k))
    starts = np.unique(np.asarray(start_days, dtype=np.int64))
    levels = np.unique(np.asarray(horizons, dtype=np.int64))
    rng = np.random.default_rng((seed, INCREMENT_STREAM))
    # The order and shapes of a single valuation's own draws (PriceScenarios.increments).
    common = rng.standard_normal((n_scenarios, len(starts), len(levels)))
    own = rng.standard_normal((n_scenarios, len(starts), k))
    draws = IncrementDraws(starts, levels, common, own)
    shared = PriceScenarios(
        prices.days,
        prices.brownian,
        prices.correlation,
        prices.seed,
        demand_normals=demand,
        increment_draws=draws,
    )
    return SharedScenarios(tuple(categories), shared)
