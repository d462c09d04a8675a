import numpy as np
import pytest
from conftest import lot_frame, make_assumptions
from hypothesis import given, settings
from hypothesis import strategies as st

from finance import evaluate
from finance.collateral.borrowing_base import lendable_values

# lendable = min(MV (1 - h), cost_advance BOOK, nolv_advance OLV) - excess
LIMIT_CASES = [
    # MV, h, BOOK, cost_advance, OLV, nolv, eligible, expected lendable, binding
    (1000.0, 0.50, 800.0, 0.65, 900.0, 0.85, True, 500.0, "haircut"),
    (1000.0, 0.10, 800.0, 0.50, 900.0, 0.85, True, 400.0, "cost"),
    (1000.0, 0.10, 800.0, 0.90, 600.0, 0.85, True, 510.0, "nolv"),
    (1000.0, 0.10, 800.0, 0.90, 600.0, 0.85, False, 0.0, ""),
    # a tie goes to the first limit in the order haircut, cost, nolv
    (1000.0, 0.60, 800.0, 0.50, 900.0, 0.85, True, 400.0, "haircut"),
]


@pytest.mark.parametrize(
    ("mv", "h", "book", "ca", "olv", "nolv", "ok", "expected", "binding"), LIMIT_CASES
)
def test_lesser_of_rule(mv, h, book, ca, olv, nolv, ok, expected, binding):
    out = lendable_values(
        np.array([mv]), np.array([h]), np.array([book]), np.array([ca]), np.array([olv]), nolv,
        np.array([ok]), concentration_limit=1.0,
    )  # fmt: skip
    assert out.lendable[0] == pytest.approx(expected)
    assert out.binding_limit[0] == binding


def test_concentration_is_one_pass_over_the_total_before_it():
    # before = [100, 100, 800], total 1000, limit 25% -> cap 250, excess [0, 0, 550].
    mv = np.array([100.0, 100.0, 800.0])
    out = lendable_values(
        mv, np.zeros(3), mv, np.ones(3), mv / 0.85, 0.85, np.ones(3, bool), concentration_limit=0.25
    )
    np.testing.assert_allclose(out.concentration_excess, [0.0, 0.0, 550.0])
    np.testing.assert_allclose(out.lendable, [100.0, 100.0, 250.0])
    assert out.borrowing_base == pytest.approx(450.0)


def test_each_limit_binds_on_a_lot_in_evaluate():
    a = make_assumptions(
        scenarios=500, concentration_limit=1.0, categories={"generic": {"cost_advance": 0.9}}
    )
    frame = lot_frame(
        {"sigma": 1.0},  # wide haircut binds
        {"unit_cost": 2.0},  # cost advance 0.9 * BOOK = 0.9 * 200 = 180 binds
        {
            "sigma": 0.0,
            "unit_cost": 12.0,
        },  # 0.85 * OLV = 585.3 < 0.9 * 920 and < MV (1 - h) = 685.9
    )
    lots = evaluate(frame, a).lots
    assert list(lots["binding_limit"]) == ["haircut", "cost", "nolv"]
    assert lots["lendable_value"].iloc[1] == pytest.approx(180.0)
    olv = lots["olv"].iloc[2]
    assert lots["lendable_value"].iloc[2] == pytest.approx(0.85 * olv)


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(st.floats(0.0, 1e7), min_size=1, max_size=30),
    limit=st.floats(0.01, 1.0),
)
def test_lendable_bounded_by_market_value_and_limit(values, limit):
    mv = np.array(values)
    out = lendable_values(mv, np.full_like(mv, 0.2), mv, np.full_like(mv, 0.65), mv * 0.9, 0.85,
                          np.ones(len(mv), bool), limit)  # fmt: skip
    assert np.all(out.lendable >= -1e-9)
    assert np.all(out.lendable <= mv + 1e-9)
    cap = limit * out.before_concentration.sum()
    assert np.all(out.lendable <= cap + 1e-6)
    np.testing.assert_allclose(out.lendable + out.concentration_excess, out.before_concentration)
