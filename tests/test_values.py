import math

import numpy as np
import pytest
from conftest import SHIPPED_CATEGORIES, lot_frame, make_assumptions
from hypothesis import given, settings
from hypothesis import strategies as st

from finance import evaluate

# generic: erosion 0.10, selling_cost 0.08, d_o 0.30 over 60 days, d_f 0.55 over 14 days.
# q = 100, c = 8, p = 10:
#   MV = 1000, NRV = 1000 * 0.92 = 920, BOOK = 100 * min(8, 9.2) = 800,
#   OLV = 1000 * exp(-0.1 * 60/365) * 0.70, FLV = 1000 * exp(-0.1 * 14/365) * 0.45.
OLV_GENERIC = 1000 * math.exp(-0.1 * 60 / 365) * 0.70
FLV_GENERIC = 1000 * math.exp(-0.1 * 14 / 365) * 0.45
CATEGORIES = list(SHIPPED_CATEGORIES)
CASES = [
    ({}, 1000.0, 920.0, 800.0, OLV_GENERIC, FLV_GENERIC),
    # cost above net price: BOOK is the NRV
    ({"unit_cost": 12.0}, 1000.0, 920.0, 920.0, OLV_GENERIC, FLV_GENERIC),
    # copper: no erosion, selling 0.01, d_o 0.03 / 30 d, d_f 0.08 / 7 d; q = 2 t at 75,000
    ({"category": "copper", "quantity": 2.0, "unit_cost": 70000.0, "unit_price": 75000.0},
     150000.0, 148500.0, 140000.0, 150000 * 0.97, 150000 * 0.92),
]  # fmt: skip


@pytest.mark.parametrize(("lot", "mv", "nrv", "book", "olv", "flv"), CASES)
def test_collateral_values(lot, mv, nrv, book, olv, flv):
    row = evaluate(lot_frame(lot), make_assumptions(scenarios=1000)).lots.iloc[0]
    assert row["market_value"] == pytest.approx(mv, rel=1e-12)
    assert row["nrv"] == pytest.approx(nrv, rel=1e-12)
    assert row["book_value"] == pytest.approx(book, rel=1e-12)
    assert row["olv"] == pytest.approx(olv, rel=1e-12)
    assert row["flv"] == pytest.approx(flv, rel=1e-12)


def test_season_end_and_expiry_enter_liquidation_values():
    # A season end on 2026-12-15 (day 21) falls inside T_o = 60 but not T_f = 14:
    # OLV takes the 30% markdown, FLV does not, so FLV > OLV is possible (MODEL.md s.9).
    a = make_assumptions(
        scenarios=1000, categories={"generic": {"season_ends": ["12-15"], "markdown": 0.3}}
    )
    row = evaluate(lot_frame({}), a).lots.iloc[0]
    assert row["olv"] == pytest.approx(1000 * math.exp(-0.1 * 60 / 365) * 0.7 * 0.7, rel=1e-12)
    assert row["flv"] == pytest.approx(1000 * math.exp(-0.1 * 14 / 365) * 0.45, rel=1e-12)
    # Expiry on day 30: inside T_o, so OLV is at salvage (generic salvage 0); FLV is not.
    frame = lot_frame(
        {"age_days": np.nan, "received_date": "2026-11-01", "expiry_date": "2026-12-24"}
    )
    row = evaluate(frame, make_assumptions(scenarios=1000)).lots.iloc[0]
    assert row["olv"] == 0.0
    assert row["flv"] > 0.0


@settings(max_examples=40, deadline=None)
@given(
    category=st.sampled_from(CATEGORIES),
    quantity=st.floats(0.001, 1e6),
    price=st.floats(0.01, 1e5),
    cost_ratio=st.floats(0.0, 3.0),
)  # fmt: skip
def test_value_ordering_under_defaults(category, quantity, price, cost_ratio):
    # OLV <= NRV <= MV and FLV <= NRV with the shipped category settings (MODEL.md s.9).
    frame = lot_frame(
        {
            "category": category,
            "quantity": quantity,
            "unit_price": price,
            "unit_cost": price * cost_ratio,
        }
    )
    row = evaluate(frame, make_assumptions(scenarios=100)).lots.iloc[0]
    assert row["olv"] <= row["nrv"] * (1 + 1e-12) <= row["market_value"] * (1 + 1e-12)
    assert row["flv"] <= row["nrv"] * (1 + 1e-12)
    assert 0 <= row["lendable_value"] <= row["market_value"] * (1 + 1e-12)
