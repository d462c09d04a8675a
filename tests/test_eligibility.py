import pytest
from conftest import lot_frame, make_assumptions

from finance import evaluate
from finance.collateral.eligibility import REASONS

# t0 = 2026-11-24; generic: T_o = 60, aging limit 360; T_m = 14 -> horizon 74 days.
REASON_CASES = [
    ({}, ""),
    ({"age_days": None, "received_date": "2026-01-01", "expiry_date": "2026-11-24"}, "expired"),
    ({"age_days": None, "received_date": "2026-01-01", "expiry_date": "2026-11-01"}, "expired"),
    ({"age_days": None, "received_date": "2026-11-01", "expiry_date": "2027-02-05"}, "near_expiry"),
    ({"age_days": None, "received_date": "2026-11-01", "expiry_date": "2027-02-06"}, ""),
    ({"age_days": 361.0}, "aged"),
    ({"age_days": 360.0}, ""),
    ({"consigned": True}, "consigned"),
    ({"in_transit": True}, "in_transit"),
    ({"damaged": True}, "damaged"),
    ({"encumbered": True}, "encumbered"),
    ({"unit_price": 0.0}, "no_price"),
    # the first reason in MODEL.md order wins
    ({"age_days": 400.0, "consigned": True, "unit_price": 0.0}, "aged"),
    ({"consigned": True, "damaged": True}, "consigned"),
    # food: expiry implied by the 365-day shelf life from the age
    ({"category": "food", "age_days": 365.0}, "expired"),
    ({"category": "food", "age_days": 330.0}, "near_expiry"),
    ({"category": "food", "age_days": 200.0}, "aged"),
]


@pytest.mark.parametrize(("lot", "reason"), REASON_CASES)
def test_ineligible_reason(lot, reason):
    lot = {k: v for k, v in lot.items() if v is not None} | (
        {"age_days": float("nan")} if lot.get("age_days", 0) is None else {}
    )
    row = evaluate(lot_frame(lot), make_assumptions(scenarios=100)).lots.iloc[0]
    assert row["ineligible_reason"] == reason
    assert row["eligible"] == (reason == "")
    if reason:
        assert row["lendable_value"] == 0.0
        assert row["binding_limit"] == ""
        assert reason in REASONS


def test_margin_period_moves_the_near_expiry_line():
    lot = {"age_days": float("nan"), "received_date": "2026-11-01", "expiry_date": "2027-02-06"}
    longer = make_assumptions(scenarios=100, margin_period_days=15)
    assert evaluate(lot_frame(lot), longer).lots["ineligible_reason"].iloc[0] == "near_expiry"


def test_every_lot_ineligible_gives_a_zero_borrowing_base():
    frame = lot_frame({"consigned": True}, {"damaged": True})
    result = evaluate(frame, make_assumptions(scenarios=100))
    assert result.summary["borrowing_base"] == 0.0
    assert result.summary["eligible_value"] == 0.0
    assert result.summary["portfolio_haircut"] == 0.0
