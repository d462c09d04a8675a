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


def test_concentration_is_per_sku_across_its_lots_by_hand():
    # Lots 0 and 1 are batches of SKU A (100 + 200 = 300), lot 2 is SKU B (300), lot 3 SKU C
    # (400). Total before the cap 1000, limit 25% -> cap 250 per SKU, one pass:
    #   A: 300 - 250 = 50 excess, spread pro rata: 50 * 100/300 = 16.67 and 50 * 200/300 = 33.33
    #   B: 300 - 250 = 50;  C: 400 - 250 = 150.
    # Borrowing base 1000 - 250 = 750 (per lot it would be 800: A's lots each look small).
    mv = np.array([100.0, 200.0, 300.0, 400.0])
    args = (mv, np.zeros(4), mv, np.ones(4), mv / 0.85, 0.85, np.ones(4, bool), 0.25)
    out = lendable_values(*args, sku=np.array([0, 0, 1, 2]))
    np.testing.assert_allclose(out.concentration_excess, [50 / 3, 100 / 3, 50.0, 150.0])
    np.testing.assert_allclose(out.lendable, [250 / 3, 500 / 3, 250.0, 250.0])
    assert out.borrowing_base == pytest.approx(750.0)
    per_lot = lendable_values(*args)
    np.testing.assert_allclose(per_lot.concentration_excess, [0.0, 0.0, 50.0, 150.0])
    assert per_lot.borrowing_base == pytest.approx(800.0)


@pytest.mark.parametrize(
    ("sku", "eligible"),
    [
        ([0, 1, 2], [True, True, True]),  # one lot per SKU: the per-lot rule exactly
        ([0, 0, 0], [True, True, True]),  # one SKU: capped at the limit as a whole
        ([0, 0, 1], [True, False, True]),  # an ineligible lot lends and is charged nothing
    ],
)
def test_concentration_per_sku_keeps_the_totals(sku, eligible):
    mv = np.array([500.0, 300.0, 200.0])
    out = lendable_values(
        mv, np.zeros(3), mv, np.ones(3), mv / 0.85, 0.85, np.array(eligible), 0.4, sku=np.array(sku)
    )
    before = out.before_concentration
    cap = 0.4 * before.sum()
    per_sku = np.bincount(sku, weights=out.lendable)
    assert np.all(per_sku <= cap + 1e-9)
    np.testing.assert_allclose(out.lendable + out.concentration_excess, before)
    expected = np.maximum(np.bincount(sku, weights=before) - cap, 0.0).sum()
    assert out.concentration_excess.sum() == pytest.approx(expected)
    assert np.all(out.concentration_excess[~np.array(eligible)] == 0.0)


def test_evaluate_caps_an_sku_over_all_its_batches():
    a = make_assumptions(scenarios=500, concentration_limit=0.3)
    frame = lot_frame(
        {"sku": "A", "quantity": 100.0},
        {"sku": "A", "quantity": 150.0},
        {"sku": "B", "quantity": 150.0},
        {"sku": "C", "quantity": 150.0},
        {"sku": "D", "quantity": 150.0},
    )
    frame["batch"] = ["b1", "b2", "", "", ""]
    lots = evaluate(frame, a).lots
    before = (lots["lendable_value"] + lots["concentration_excess"]).to_numpy()
    cap = 0.3 * before.sum()
    # A (250 units of 700) is above 30% with both batches together, though each is below.
    assert before[0] < cap and before[1] < cap and before[:2].sum() > cap
    excess = before[:2].sum() - cap
    np.testing.assert_allclose(
        lots["concentration_excess"], [excess * 0.4, excess * 0.6, 0.0, 0.0, 0.0]
    )
    assert lots["lendable_value"].iloc[:2].sum() == pytest.approx(cap)
    assert lots["batch"].tolist() == ["b1", "b2", "", "", ""]
