"""Tests of the shock groups (finance/collateral/shock_groups.py, docs/model.md section 2).

A lot with its own volatility on its category's Brownian driver has the shock
``exp(sigma_i W_k - sigma_i^2 t / 2)``. The per-lot computation sums that over the lots in
every scenario (lots x scenarios); the groups must give the same figures where they are
exact (at most MAX_LEVELS volatilities a category) and within ``t h^2`` of the market value
where they are bucketed (h the bucket spacing, (highest - lowest) / (MAX_LEVELS - 1)).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finance.collateral.lots import prepare_lots
from finance.collateral.shock_groups import MAX_LEVELS, shock_groups
from tests.conftest import lot_frame, make_assumptions

T0 = dt.date(2026, 11, 24)
QUANTILES = (0.01, 0.05, 0.5, 0.95, 0.99)


def per_lot_values(category, sigma, value, brownian, t):
    """Portfolio value per scenario, each lot on its own volatility: lots x scenarios."""
    return (value * np.exp(sigma * brownian[:, category] - 0.5 * sigma**2 * t)).sum(axis=1)


def grouped_values(groups, value, brownian, t):
    """The same through the groups: groups x scenarios."""
    amounts = np.bincount(groups.group, weights=value, minlength=groups.n_groups)
    shocks = np.exp(groups.sigma * brownian[:, groups.category] - 0.5 * groups.sigma**2 * t)
    return shocks @ amounts


def test_without_per_lot_volatilities_one_group_per_category_present():
    category = np.array([2, 0, 2, 2, 0])
    own = np.array([0.1, 0.2, 0.3])
    groups = shock_groups(category, own[category], np.ones(5), own)
    assert groups.n_groups == 2  # category 1 has no lot
    assert list(groups.category) == [0, 2]
    assert list(groups.sigma) == [0.1, 0.3]
    assert list(groups.group) == [1, 0, 1, 1, 0]
    assert groups.exact.all()


def test_few_volatilities_stay_exact_and_sorted():
    category = np.array([0, 0, 0, 1, 1, 0])
    sigma = np.array([0.3, 0.1, 0.3, 0.5, 0.2, 0.2])
    groups = shock_groups(category, sigma, np.ones(6), np.array([0.1, 0.2]))
    assert list(groups.category) == [0, 0, 0, 1, 1]
    assert list(groups.sigma) == [0.1, 0.2, 0.3, 0.2, 0.5]
    assert groups.exact.all()
    # every lot's group carries exactly its own volatility
    assert np.array_equal(groups.sigma[groups.group], sigma)


def test_many_volatilities_are_bucketed_within_the_spacing():
    rng = np.random.default_rng(3)
    n = 10_000
    category = rng.integers(0, 3, n)
    sigma = rng.uniform(0.05, 0.95, n)
    groups = shock_groups(category, sigma, rng.lognormal(8, 1, n), np.full(3, 0.2))
    per_category = np.bincount(groups.category, minlength=3)
    assert (per_category <= MAX_LEVELS).all()
    assert not groups.exact.any()
    spacing = (sigma.max() - sigma.min()) / (MAX_LEVELS - 1)
    assert np.abs(groups.sigma[groups.group] - sigma).max() <= spacing
    # groups sorted by category, then volatility
    order = np.lexsort((groups.sigma, groups.category))
    assert np.array_equal(order, np.arange(groups.n_groups))


def test_bucket_volatility_is_the_value_weighted_mean():
    # Nine distinct volatilities in one category: bucketed. Two lots fall in the top bucket.
    sigma = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.68, 0.7])
    value = np.array([1, 1, 1, 1, 1, 1, 1, 3.0, 1.0])
    groups = shock_groups(np.zeros(9, dtype=np.int64), sigma, value, np.array([0.2]))
    top = groups.group[-1]
    assert groups.group[-2] == top
    assert groups.sigma[top] == pytest.approx((3 * 0.68 + 0.7) / 4)
    # A bucket whose lots have no value takes their plain mean.
    groups = shock_groups(np.zeros(9, dtype=np.int64), sigma, np.zeros(9), np.array([0.2]))
    assert groups.sigma[groups.group[-1]] == pytest.approx(0.69)


def test_groups_do_not_grow_with_lots_or_unused_categories():
    """MODEL.md section 9: groups are bounded by categories x MAX_LEVELS."""
    a = make_assumptions(categories={f"unused{i}": {"sigma": 0.3} for i in range(300)})
    counts = []
    for n in (100, 5_000):
        rows = [
            {"category": ("apparel", "copper")[i % 2], "sigma": 0.05 + 0.9 * i / n}
            for i in range(n)
        ]
        lots = prepare_lots(lot_frame(*rows), a.categories, T0)
        assert lots.category_names == ("apparel", "copper")  # the unused ones are not carried
        counts.append(lots.n_groups)
        assert len(lots.sigma) == n  # each lot keeps its own volatility for the closed forms
    assert counts == [2 * MAX_LEVELS, 2 * MAX_LEVELS]


@st.composite
def inventories(draw, *, exact: bool):
    n_categories = draw(st.integers(1, 3))
    n = draw(st.integers(1, 60))
    category = np.array(draw(st.lists(st.integers(0, n_categories - 1), min_size=n, max_size=n)))
    if exact:
        levels = draw(st.lists(st.floats(0, 2), min_size=1, max_size=MAX_LEVELS, unique=True))
        sigma = np.array(draw(st.lists(st.sampled_from(levels), min_size=n, max_size=n)))
    else:
        sigma = np.array(draw(st.lists(st.floats(0, 1.5), min_size=n, max_size=n)))
    value = np.array(draw(st.lists(st.floats(0, 1e7), min_size=n, max_size=n)))
    t = draw(st.floats(0.01, 2.0))
    seed = draw(st.integers(0, 2**32 - 1))
    return n_categories, category, sigma, value, t, seed


def _both(n_categories, category, sigma, value, t, seed):
    brownian = np.random.default_rng(seed).standard_normal((2_000, n_categories)) * np.sqrt(t)
    groups = shock_groups(category, sigma, value, np.full(n_categories, 0.2))
    return (
        groups,
        per_lot_values(category, sigma, value, brownian, t),
        grouped_values(groups, value, brownian, t),
    )


@settings(max_examples=60, deadline=None)
@given(inventories(exact=True))
def test_exact_groups_give_the_per_lot_figures(case):
    groups, per_lot, grouped = _both(*case)
    assert groups.exact.all()
    scale = max(case[3].sum(), 1.0)
    assert np.abs(per_lot - grouped).max() <= 1e-9 * scale


@settings(max_examples=60, deadline=None)
@given(inventories(exact=False))
def test_bucketed_groups_within_t_h_squared_of_the_per_lot_figures(case):
    n_categories, category, sigma, value, t, _ = case
    groups, per_lot, grouped = _both(*case)
    assert (np.bincount(groups.category, minlength=n_categories) <= MAX_LEVELS).all()
    # The expected value is exact whatever the bucketing (E[X] = 1); the distribution is
    # within the stated tolerance: t h^2 of the market value, h the widest spacing.
    spans = [np.ptp(sigma[category == k]) for k in np.unique(category)]
    h = max(spans) / (MAX_LEVELS - 1)
    total = value.sum()
    for q in QUANTILES:
        diff = abs(np.quantile(per_lot, q) - np.quantile(grouped, q))
        assert diff <= t * h * h * total + 1e-9 * max(total, 1.0)


def test_price_factor_cells_are_the_pairs_present_not_a_grid():
    """Per-lot erosions make cells per (erosion, category) pair present: at most the lots."""
    a = make_assumptions(categories={f"unused{i}": {"sigma": 0.3} for i in range(50)})
    n = 3_000
    rows = [
        {"category": ("apparel", "copper", "steel")[i % 3], "erosion": 0.3 * i / n}
        for i in range(n)
    ]
    lots = prepare_lots(lot_frame(*rows), a.categories, T0)
    assert lots.n_cells == n  # each lot its own erosion: n cells, not n x categories
    assert np.array_equal(lots.cell_erosion[lots.factor_index], lots.erosion)
    assert np.array_equal(lots.cell_category[lots.factor_index], lots.category)
    # Without overrides, one cell per distinct (category erosion, category).
    plain = prepare_lots(lot_frame(*({"category": r["category"]} for r in rows)), a.categories, T0)
    assert plain.n_cells == 3
