import math

import numpy as np
import pytest
from conftest import lot_frame, make_assumptions

from finance import evaluate

# A lot with no price risk: sigma 0, no erosion or markdown; selling cost 10%, storage 12%
# a year (1% a month), orderly discount 30%, forced discount 55% over 14 days; horizon 2
# months. t0 = 2026-11-24, month ends 2026-12-24 (day 30) and 2027-01-24 (day 61).
QUIET = {"sigma": 0.0, "erosion": 0.0, "selling_cost": 0.1, "storage_cost": 0.12}


def _assumptions(rate: float):
    return make_assumptions(
        scenarios=200, horizon_months=2, curve={"1Y": rate}, discount_rate=rate,
        categories={"generic": QUIET},
    )  # fmt: skip


@pytest.mark.parametrize("rate", [0.0, 0.02])
def test_normal_course_then_orderly_sale_at_the_horizon(rate):
    # q = 30, p = 10, 10 units a month:
    #   storage billed in advance: 0.01 * 30 * 10 = 3 at t0, 0.01 * 20 * 10 = 2 at day 30
    #   sales: 10 * 10 * 0.9 = 90 at day 30 and at day 61; the last 10 at 10 * 10 * 0.7 = 70.
    df = lambda d: math.exp(-rate * d / 365)  # noqa: E731
    proceeds = 90 * df(30) + 90 * df(61) + 70 * df(61)
    storage = 3 + 2 * df(30)
    result = evaluate(lot_frame({"quantity": 30.0, "monthly_sales": 10.0}), _assumptions(rate))
    assert result.lots["expected_holding_loss"].iloc[0] == pytest.approx(
        300 - proceeds + storage, rel=1e-12
    )
    hold = result.options.set_index("option").loc["hold"]
    assert hold["pv_costs"] == pytest.approx(storage, rel=1e-12)
    assert hold["npv"] == pytest.approx(proceeds - storage - 300, rel=1e-12)
    # no price risk: every scenario loses the same
    assert result.summary["holding_loss_p95"] == pytest.approx(300 - proceeds + storage, rel=1e-9)


def test_forced_sale_before_expiry():
    # Expiry on day 45 -> forced sale on day 45 - 14 = 31: 10 units sell on day 30, the
    # other 20 go at 10 * 0.45 each = 90. Storage 3 at t0 and 2 at day 30 (held then).
    frame = lot_frame(
        {"quantity": 30.0, "monthly_sales": 10.0, "age_days": np.nan,
         "received_date": "2026-11-01", "expiry_date": "2027-01-08"}
    )  # fmt: skip
    result = evaluate(frame, _assumptions(0.0))
    assert result.lots["expected_holding_loss"].iloc[0] == pytest.approx(
        300 - 90 - 90 + 5, rel=1e-12
    )


def test_already_expired_lot_is_sold_today_at_salvage():
    a = make_assumptions(
        scenarios=200, curve={"1Y": 0.0}, categories={"generic": {**QUIET, "salvage": 0.2}}
    )
    frame = lot_frame(
        {
            "quantity": 30.0,
            "age_days": np.nan,
            "received_date": "2026-01-01",
            "expiry_date": "2026-11-01",
        }
    )
    loss = evaluate(frame, a).lots["expected_holding_loss"].iloc[0]
    assert loss == pytest.approx(300 - 30 * 10 * 0.2 * 0.45, rel=1e-12)


def test_simulated_mean_agrees_with_the_closed_form():
    # E[X] = 1, so the simulated mean loss must sit within three standard errors.
    frame = lot_frame({"category": "copper"}, {"category": "apparel"}, {"category": "electronics"})
    s = evaluate(frame, make_assumptions(scenarios=20_000, seed=3)).summary
    assert (
        abs(s["holding_loss_mean_simulated"] - s["expected_holding_loss"])
        < 3 * s["holding_loss_std_error"]
    )
    assert s["holding_loss_p99"] >= s["holding_loss_p95"] >= s["expected_holding_loss"] * 0.5
