"""Shock groups: which lots carry one simulated price path (docs/model.md section 2).

Lots of one category share the category's Brownian motion W_k. A lot may override its
category's volatility, and a lot with volatility sigma_i on that driver has the shock

    X_i(t) = exp(sigma_i W_k(t) - sigma_i^2 t / 2).

That needs only W_k per category, but a portfolio's value in a scenario,
``sum_i a_i X_i(t)``, does not factor through one shock per category unless the lots'
volatilities are equal: with every lot its own volatility it is a sum of lots x scenarios
exponentials. So the simulation carries one path per *shock group*, a category together
with one volatility, and the number of groups per category is bounded by
:data:`MAX_LEVELS` whatever the inputs (MODEL.md section 9):

* a category whose lots have at most ``MAX_LEVELS`` distinct volatilities keeps one group
  per volatility: exact, nothing is approximated (the case of every shipped input);
* a category with more is bucketed: ``MAX_LEVELS`` evenly spaced levels from its lots'
  lowest to highest volatility, each lot in the bucket of the nearest level, and each
  bucket's volatility the market-value-weighted mean of its lots' (the plain mean when
  they have no value). A lot's group volatility is then within
  ``(highest - lowest) / (MAX_LEVELS - 1)`` of its own, and because the bucket's
  volatility is their value-weighted mean, the bucket's value
  ``sum_i a_i X_i ~ (sum_i a_i) X_g`` is exact to first order in the spread of
  volatilities within it (the first-order terms ``X_g (W - sigma_g t)(sigma_i - sigma_g)``
  sum to zero with weights a_i = market value).

Only simulated figures (distributions, quantiles, probabilities) use the group volatility;
every closed-form per-lot figure (the haircut, the Basel haircut, expected values, which
do not depend on the volatility since E[X] = 1) uses the lot's own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Largest number of shock groups one category may have: memory and time of the simulation
#: are categories x MAX_LEVELS x scenarios x steps at most, never lots x scenarios.
MAX_LEVELS = 8


@dataclass(frozen=True, slots=True, eq=False)
class ShockGroups:
    """Each lot's shock group and each group's category and volatility.

    Attributes
    ----------
    group : numpy.ndarray of int64, shape (N,)
        Each lot's group, index into ``category`` and ``sigma``.
    category : numpy.ndarray of int64, shape (G,)
        Category of each group; groups are sorted by (category, volatility).
    sigma : numpy.ndarray, shape (G,)
        Annual volatility of each group.
    exact : numpy.ndarray of bool, shape (G,)
        Whether every lot of the group has exactly the group's volatility.
    """

    group: np.ndarray
    category: np.ndarray
    sigma: np.ndarray
    exact: np.ndarray

    @property
    def n_groups(self) -> int:
        """G, the number of groups."""
        return len(self.sigma)


def shock_groups(
    category: np.ndarray,
    sigma: np.ndarray,
    weight: np.ndarray,
    category_sigma: np.ndarray,
    max_levels: int = MAX_LEVELS,
) -> ShockGroups:
    """Group the lots by category and volatility, at most ``max_levels`` groups a category.

    Parameters
    ----------
    category : numpy.ndarray of int64, shape (N,)
        Each lot's category, in ``0..n_categories - 1``.
    sigma : numpy.ndarray, shape (N,)
        Each lot's annual volatility (its own, or its category's), finite and >= 0.
    weight : numpy.ndarray, shape (N,)
        Each lot's market value, currency: the weight of its volatility in a bucket's.
    category_sigma : numpy.ndarray, shape (K,)
        Each category's own volatility: lots all at it make one group per category,
        found without sorting the lots.
    max_levels : int
        Most groups one category may have, >= 2.

    Returns
    -------
    ShockGroups
        Groups sorted by (category, volatility). Without per-lot volatilities (each lot at
        its category's), one group per category present, in category order.
    """
    category = np.asarray(category, dtype=np.int64)
    sigma = np.asarray(sigma, dtype=np.float64)
    category_sigma = np.asarray(category_sigma, dtype=np.float64)
    n_categories = len(category_sigma)
    n = len(category)
    if np.array_equal(sigma, category_sigma[category]):
        # No lot has a volatility of its own: one group per category present.
        present = np.bincount(category, minlength=n_categories) > 0
        group_of = np.cumsum(present) - 1
        return ShockGroups(
            group=group_of[category].astype(np.int64),
            category=np.flatnonzero(present).astype(np.int64),
            sigma=category_sigma[present],
            exact=np.ones(int(present.sum()), dtype=bool),
        )
    # The distinct (category, volatility) pairs, each lot's pair, in sorted order.
    order = np.lexsort((sigma, category))
    c_sorted, s_sorted = category[order], sigma[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = (c_sorted[1:] != c_sorted[:-1]) | (s_sorted[1:] != s_sorted[:-1])
    pair_sorted = np.cumsum(starts) - 1
    pair_of = np.empty(n, dtype=np.int64)
    pair_of[order] = pair_sorted
    pair_category, pair_sigma = c_sorted[starts], s_sorted[starts]
    n_pairs = len(pair_sigma)

    # Each pair's rank within its category: the sublevel when the category is exact.
    distinct = np.bincount(pair_category, minlength=n_categories)
    first_pair = np.cumsum(distinct) - distinct
    rank = np.arange(n_pairs) - first_pair[pair_category]
    bucketed = distinct > max_levels
    # Pairs are sorted within a category, so its first and last are its lowest and highest.
    lowest = pair_sigma[first_pair[pair_category]]
    highest = pair_sigma[first_pair[pair_category] + distinct[pair_category] - 1]
    step = (highest - lowest) / (max_levels - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.rint(np.where(step > 0, (pair_sigma - lowest) / step, 0.0))
    level = np.clip(level, 0, max_levels - 1).astype(np.int64)
    is_bucketed = bucketed[pair_category]
    sublevel = np.where(is_bucketed, level, rank)

    keys = pair_category * max_levels + sublevel
    # Small integer keys: one count table instead of a sort.
    present = np.bincount(keys, minlength=n_categories * max_levels) > 0
    group_of_key = np.cumsum(present) - 1
    pair_group = group_of_key[keys]
    group_keys = np.flatnonzero(present)
    n_groups = len(group_keys)
    group_category = group_keys // max_levels

    # A bucket's volatility: the value-weighted mean of its lots' (plain mean without value).
    w = np.asarray(weight, dtype=np.float64)
    w = np.where(np.isfinite(w) & (w > 0), w, 0.0)
    lot_group = pair_group[pair_of]
    value = np.bincount(lot_group, weights=w, minlength=n_groups)
    value_sigma = np.bincount(lot_group, weights=w * sigma, minlength=n_groups)
    count = np.bincount(lot_group, minlength=n_groups)
    plain = np.bincount(lot_group, weights=sigma, minlength=n_groups) / count
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(value > 0, value_sigma / value, plain)
    pairs_in_group = np.bincount(pair_group, minlength=n_groups)
    exact = pairs_in_group == 1
    # An exact group's volatility is its lots' own, bit for bit (not a mean of them).
    own = np.zeros(n_groups)
    own[pair_group] = pair_sigma
    group_sigma = np.where(exact, own, mean)
    return ShockGroups(
        group=lot_group.astype(np.int64),
        category=group_category.astype(np.int64),
        sigma=group_sigma,
        exact=exact,
    )
