"""The mix's linear programme (docs/model.md section 8a) against optima worked by hand."""

import numpy as np
import pytest

from finance.decision.mix import MixProblem, solve_mix

ROUTES = ("liquidate", "pledge_loan", "receipt_trust", "abs")


def problem(gain, cash=None, available=None, fixed=None, size=None, minimum=None, losses=None):
    gain = np.asarray(gain, dtype=float)
    k, r = gain.shape
    base, change = losses if losses is not None else (np.zeros(1), np.zeros((1, k, r)))
    return MixProblem(
        categories=tuple(f"c{i}" for i in range(k)),
        routes=ROUTES[:r],
        gain=gain,
        cash=np.zeros_like(gain) if cash is None else np.asarray(cash, dtype=float),
        available=np.ones_like(gain, dtype=bool) if available is None else np.asarray(available),
        fixed=np.zeros(r) if fixed is None else np.asarray(fixed, dtype=float),
        size=np.zeros_like(gain) if size is None else np.asarray(size, dtype=float),
        minimum=np.zeros(r) if minimum is None else np.asarray(minimum, dtype=float),
        base_losses=np.asarray(base, dtype=float),
        loss_change=np.asarray(change, dtype=float),
    )


def test_without_limits_each_category_takes_its_best_route_or_stays_held():
    # c0: route 0 gains 5, route 1 gains 2 -> route 0; c1: 1 and 4 -> route 1;
    # c2: both lose -> held.
    solution = solve_mix(problem([[5, 2], [1, 4], [-1, -3]]), 0.0, 0.0)
    assert solution.feasible
    np.testing.assert_allclose(solution.shares, [[1, 0], [0, 1], [0, 0]], atol=1e-9)
    assert solution.objective == pytest.approx(9.0)


def test_a_cash_target_buys_cash_at_the_least_npv():
    # max 5 x0 + 2 x1  s.t.  x0 + x1 <= 1,  10 x0 + 50 x1 >= 40.
    # On the cash line x1 = (40 - 10 x0) / 50 the objective is 1.6 + 4.6 x0, and the unit
    # constraint gives x0 <= 0.25: x0 = 0.25, x1 = 0.75, objective 2.75.
    solution = solve_mix(problem([[5, 2]], cash=[[10, 50]]), 40.0, 0.0)
    np.testing.assert_allclose(solution.shares, [[0.25, 0.75]], atol=1e-9)
    assert solution.objective == pytest.approx(2.75)


def test_an_unreachable_target_has_no_mix():
    solution = solve_mix(problem([[5, 2]], cash=[[10, 50]]), 60.0, 0.0)
    assert not solution.feasible
    assert not solution.shares.any()


def test_a_route_not_available_takes_nothing():
    solution = solve_mix(problem([[5, 9]], available=[[True, False]]), 0.0, 0.0)
    np.testing.assert_allclose(solution.shares, [[1, 0]])


@pytest.mark.parametrize(
    ("fixed", "minimum", "expected", "objective"),
    [
        # route 1 on both: 3 + 3 - 3 = 3, better than route 0's 1 + 1 = 2
        (3.0, 0.0, [[0, 1], [0, 1]], 3.0),
        # a fixed cost of 7 is more than both gains: not used at all
        (7.0, 0.0, [[1, 0], [1, 0]], 2.0),
        # no fixed cost but a minimum size of 1.5 (each category's size is 1): both or none
        (0.0, 1.5, [[0, 1], [0, 1]], 6.0),
    ],
)
def test_fixed_costs_and_minimum_sizes_are_all_or_nothing(fixed, minimum, expected, objective):
    # route 0 gains 1 per category, route 1 (with the fixed cost) gains 3
    p = problem(
        [[1, 3], [1, 3]],
        fixed=[0.0, fixed],
        size=[[0, 1], [0, 1]],
        minimum=[0.0, minimum],
    )
    solution = solve_mix(p, 0.0, 0.0)
    np.testing.assert_allclose(solution.shares, expected, atol=1e-9)
    assert solution.objective == pytest.approx(objective)


def test_a_minimum_size_out_of_reach_leaves_the_route_unused():
    p = problem([[1, 3], [1, 3]], size=[[0, 1], [0, 1]], minimum=[0.0, 2.5])
    solution = solve_mix(p, 0.0, 0.0)
    np.testing.assert_allclose(solution.shares, [[1, 0], [1, 0]], atol=1e-9)


def test_the_risk_limit_bounds_the_tail_expectation():
    # 20 scenarios, base losses 0..19; the route halves each loss and costs 1. With 5% of
    # 20 scenarios the tail is the worst one: CVaR = 19 (1 - 0.5 x) <= 14.25 -> x >= 0.5,
    # and the cheapest mix within the limit is x = 0.5.
    base = np.arange(20.0)
    change = (-0.5 * base)[:, None, None]
    p = problem([[-1.0]], losses=(base, change))
    assert solve_mix(p, 0.0, 0.0).shares[0, 0] == 0.0
    solution = solve_mix(p, 0.0, 14.25)
    assert solution.shares[0, 0] == pytest.approx(0.5, abs=1e-9)
    assert solution.objective == pytest.approx(-0.5)
    assert not solve_mix(p, 0.0, 9.0).feasible  # even x = 1 leaves a tail of 9.5
