import math

import numpy as np
import pytest
from conftest import lot_frame, make_assumptions
from hypothesis import given, settings
from hypothesis import strategies as st

from finance import evaluate
from finance.collateral.haircut import basel_haircut, lognormal_haircut, z_score

# h = 1 - f * exp(-sigma^2 H / 2 + z_(1-alpha) sigma sqrt(H)) * (1 - d_o), H = days / 365.
# Worked by hand for the first row: H = 44/365 = 0.120548, sqrt(H) = 0.347200,
# z_0.01 = -2.326348, z sigma sqrt(H) = -0.161543, -sigma^2 H / 2 = -0.002411,
# exp(-0.163954) = 0.848782, h = 0.151218.
HAIRCUT_TABLE = [
    # sigma, days, alpha, deterministic factor, d_o, expected h
    (0.20, 44, 0.99, 1.0, 0.00, 0.15121776866626713),
    (0.20, 44, 0.99, 1.0, 0.03, 0.17668123560627913),
    (0.15, 74, 0.95, math.exp(-0.1 * 74 / 365) * 0.7, 0.35, 0.6019214669613533),
    (0.00, 60, 0.99, 1.0, 0.00, 0.0),
    (0.50, 30, 0.999, 1.0, 0.10, 0.42799384184486644),
]


@pytest.mark.parametrize(("sigma", "days", "alpha", "factor", "d_o", "expected"), HAIRCUT_TABLE)
def test_closed_form_haircut(sigma, days, alpha, factor, d_o, expected):
    h = lognormal_haircut(sigma, days / 365, alpha, factor, d_o)
    assert float(h) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_z_score_matches_quantlib():
    import QuantLib as ql

    inverse = ql.InverseCumulativeNormal()
    for p in (0.001, 0.01, 0.05, 0.5, 0.95):
        assert z_score(p) == pytest.approx(inverse(p), abs=1e-8)


# Basel: h10 = 1 - exp(-sigma^2 tau / 2 + z_0.01 sigma sqrt(tau)), tau = 14/365, scaled by
# sqrt((20 + 20 - 1) / 10) = sqrt(3.9) = 1.974842 for N_R = 20.
@pytest.mark.parametrize(
    ("sigma", "n_r", "expected"),
    [
        (0.08, 20, 0.07091814376123444),
        (0.25, 20, 0.21471222385745348),
        (0.22, 20, 0.1900065603702649),
        (0.25, 1, 0.10872376084726199 * math.sqrt(2.0)),
        (10.0, 20, 1.0),  # capped at 100%
    ],
)
def test_basel_haircut(sigma, n_r, expected):
    assert float(basel_haircut(sigma, n_r)) == pytest.approx(expected, rel=1e-12)


def test_zero_risk_means_zero_haircut_in_evaluate():
    # MODEL.md section 9: sigma = 0, no erosion, markdown or expiry, d_o = 0 -> h = 0.
    a = make_assumptions(
        categories={
            "generic": {"sigma": 0.0, "erosion": 0.0, "orderly_discount": 0.0, "selling_cost": 0.0}
        }
    )
    result = evaluate(lot_frame({}), a)
    assert result.lots["haircut"].iloc[0] == 0.0
    assert result.lots["advance_rate"].iloc[0] == 1.0


def test_lot_haircut_uses_markdowns_and_erosion_at_the_horizon():
    # generic with a season end 2026-12-15 (21 days on): H = 14 + 60 = 74 days.
    a = make_assumptions(categories={"generic": {"season_ends": ["12-15"], "markdown": 0.3}})
    result = evaluate(lot_frame({}), a)
    factor = math.exp(-0.10 * 74 / 365) * 0.7
    expected = lognormal_haircut(0.20, 74 / 365, 0.99, factor, 0.30)
    assert result.lots["haircut"].iloc[0] == pytest.approx(float(expected), rel=1e-12)


def test_lot_expiring_exactly_at_the_horizon_is_eligible_at_salvage():
    # expiry = t0 + T_m + T_o: not near expiry (strict <), but S(H) = salvage.
    a = make_assumptions(categories={"generic": {"salvage": 0.1}})
    frame = lot_frame(
        {"age_days": np.nan, "received_date": "2026-11-01", "expiry_date": "2027-02-06"}
    )
    result = evaluate(frame, a)
    lot = result.lots.iloc[0]
    assert lot["eligible"]
    expected = lognormal_haircut(0.2, 74 / 365, 0.99, math.exp(-0.1 * 74 / 365) * 0.1, 0.3)
    assert lot["haircut"] == pytest.approx(float(expected), rel=1e-12)


haircut_args = {
    "sigma": st.floats(0.0, 2.0),
    "days": st.integers(0, 720),
    "alpha": st.floats(0.51, 0.9999),
    "factor": st.floats(0.0, 1.0),
    "d_o": st.floats(0.0, 0.99),
}


@settings(max_examples=200, deadline=None)
@given(**haircut_args)
def test_haircut_within_unit_interval(sigma, days, alpha, factor, d_o):
    h = float(lognormal_haircut(sigma, days / 365, alpha, factor, d_o))
    assert 0.0 <= h <= 1.0


@settings(max_examples=200, deadline=None)
@given(
    sigma=st.floats(0.01, 1.0),
    days=st.integers(1, 720),
    alpha=st.floats(0.6, 0.999),
    bump=st.floats(1e-3, 0.5),
)
def test_haircut_rises_with_volatility_horizon_confidence_and_erosion(sigma, days, alpha, bump):
    base = float(lognormal_haircut(sigma, days / 365, alpha))
    assert float(lognormal_haircut(sigma + bump, days / 365, alpha)) >= base
    assert float(lognormal_haircut(sigma, (days + 30) / 365, alpha)) >= base - 1e-15
    assert float(lognormal_haircut(sigma, days / 365, min(alpha + bump / 10, 0.9999))) >= base
    # erosion delta enters as exp(-delta H): a larger delta is a smaller factor.
    eroded = float(lognormal_haircut(sigma, days / 365, alpha, math.exp(-bump * days / 365)))
    assert eroded >= base


def test_portfolio_haircut_of_one_category_matches_the_lot_haircut():
    # One group and one horizon: the portfolio haircut is the lognormal quantile itself,
    # so it must agree with the closed form up to simulation error.
    a = make_assumptions(scenarios=200_000, seed=11, categories={"copper": {}})
    frame = lot_frame({"category": "copper"}, {"category": "copper", "quantity": 50.0})
    result = evaluate(frame, a)
    closed = result.lots["haircut"].iloc[0]
    assert result.summary["portfolio_haircut"] == pytest.approx(closed, abs=2e-3)


def test_diversification_lowers_the_portfolio_haircut():
    frame = lot_frame(
        {"category": "copper"}, {"category": "steel"}, {"category": "electronics", "unit_cost": 5.0}
    )
    result = evaluate(frame, make_assumptions(scenarios=20_000))
    weights = result.lots["market_value"]
    weighted = float((result.lots["haircut"] * weights).sum() / weights.sum())
    assert result.summary["portfolio_haircut"] < weighted
    assert result.summary["weighted_lot_haircut"] == pytest.approx(weighted)
    assert np.all(result.lots["haircut"].between(0, 1))
