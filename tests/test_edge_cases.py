"""Numerical edge cases of the whole valuation, each against an answer worked out by hand.

Every test runs ``finance.evaluate`` end to end on a few hand-built lots (valuation date
T0 = 2026-11-24, pinned by ``make_assumptions``) and checks the numbers against closed
forms written out here from MODEL.md and docs/model.md, not against the code's own
helpers. Scenario counts are small: where a figure is random, the case is built so that
it is not (zero volatility, a zero horizon, a certain loss).

Days used below, counted by hand from T0 = 2026-11-24:
month ends 2026-12-24 = 30, 2027-01-24 = 61, 2027-02-24 = 92, 2027-03-24 = 120,
2027-04-24 = 151, 2027-05-24 = 181; season ends 2026-12-15 = 21, 2026-12-31 = 37,
2027-03-31 = 127; generic's liquidation horizon T_m + T_o = 14 + 60 = 74 (2027-02-06).
"""

import datetime as dt
import math
from statistics import NormalDist

import numpy as np
import pytest
from conftest import SECTION_6, T0, lot_frame, make_assumptions
from scipy.optimize import brentq

from finance import evaluate
from finance.report.certificate import borrowing_base_certificate

MONEY = (
    "cash_now",
    "pv_costs",
    "expected_loss_retained",
    "expected_loss_transferred",
    "loss_retained_p95",
    "npv",
)
LOT_NUMBERS = (
    "quantity", "unit_cost", "unit_price", "market_value", "nrv", "book_value", "olv", "flv",
    "haircut", "basel_haircut", "advance_rate", "lendable_value", "concentration_excess",
    "expected_holding_loss", "liquidation_days",
)  # fmt: skip
Z_01 = NormalDist().inv_cdf(0.01)  # z_(1 - alpha) at the default alpha = 0.99


def day(date: str) -> int:
    """Calendar days from T0 to an ISO date."""
    return (dt.date.fromisoformat(date) - T0).days


MONTH_ENDS = [day(d) for d in ("2026-12-24", "2027-01-24", "2027-02-24", "2027-03-24",
                               "2027-04-24", "2027-05-24")]  # fmt: skip


def haircut(sigma: float, days: int, factor: float, d_o: float) -> float:
    """MODEL.md section 5 written out: 1 - F(H) exp(-s^2 H / 2 + z s sqrt(H)) (1 - d_o)."""
    h = days / 365
    return 1 - factor * math.exp(-0.5 * sigma**2 * h + Z_01 * sigma * math.sqrt(h)) * (1 - d_o)


def flat(rate: float, days: int) -> float:
    """Discount factor of a flat continuously compounded zero rate, Actual/365 Fixed."""
    return math.exp(-rate * days / 365)


def company(rate: float, days: int) -> float:
    """Discount factor at the company's effective annual rate, Actual/365 Fixed."""
    return (1 + rate) ** (-days / 365)


#: Sales for cash on the day, no bad debt: the schedule of section 6 alone.
CASH_SALES = {"dso_days": 0, "customer_pd": 0.0, "customer_lgd": 0.0}


def assert_money_finite(result) -> None:
    money = result.options[list(MONEY)].to_numpy(dtype=float)
    assert np.isfinite(money).all(), result.options[["option", *MONEY]]
    lots = result.lots[list(LOT_NUMBERS)].to_numpy(dtype=float)
    assert np.isfinite(lots).all()
    assert np.isfinite(result.holding_losses).all()


# ----------------------------------------------------------------- 1. zero volatility
def test_zero_volatility_is_deterministic():
    # Both lots have sigma = 0 (per-lot override): X = 1 in every scenario, so the haircut
    # is 1 - F(H)(1 - d_o), the portfolio haircut the value-weighted one, the holding loss
    # has no dispersion and coverage never falls.
    #   generic:         F = exp(-0.10 * 74/365),        d_o = 0.30
    #   home_appliances: F = exp(-0.15 * 59/365) * 0.92, d_o = 0.25 (season end day 37 < 59)
    frame = lot_frame(
        {"sigma": 0.0},
        {"category": "home_appliances", "sigma": 0.0, "quantity": 50.0, "unit_price": 20.0},
    )
    section_6 = {"generic": SECTION_6, "home_appliances": SECTION_6}
    result = evaluate(frame, make_assumptions(scenarios=1000, categories=section_6))
    lots = result.lots
    h_generic = 1 - math.exp(-0.10 * 74 / 365) * 0.70
    h_home = 1 - math.exp(-0.15 * 59 / 365) * 0.92 * 0.75
    assert lots["haircut"].tolist() == pytest.approx([h_generic, h_home], rel=1e-12)
    assert lots["basel_haircut"].tolist() == [0.0, 0.0]
    s = result.summary
    # MV is 1000 for both lots.
    assert s["portfolio_haircut"] == pytest.approx((h_generic + h_home) / 2, rel=1e-12)
    assert s["weighted_lot_haircut"] == pytest.approx((h_generic + h_home) / 2, rel=1e-12)
    # no dispersion: every quantile is the closed-form mean
    expected = s["expected_holding_loss"]
    assert expected > 0
    for key in ("holding_loss_p95", "holding_loss_p99", "holding_loss_mean_simulated"):
        assert s[key] == pytest.approx(expected, rel=1e-12)
    assert np.ptp(result.holding_losses) < 1e-9 * expected
    hold = result.options.set_index("option").loc["hold"]
    assert hold["loss_retained_p95"] == pytest.approx(hold["expected_loss_retained"], rel=1e-12)
    # the loan exists, and nothing random can trip a line or leave the lender short
    loan = result.pledge_loan
    assert loan.loan > 0
    assert s["margin_call_probability"] == 0.0
    assert (loan.triggers["probability"] == 0.0).all()
    assert loan.expected_top_up == 0.0
    assert s["lender_expected_loss"] == 0.0


def test_zero_volatility_with_erosion_crosses_lines_for_certain():
    # sigma = 0 does not mean "no margin call": erosion alone moves the pledge's value
    # deterministically. Electronics erode at 0.52 a year; a loan of 520 against MV 1000
    # (base 0.65 * 100 * min(10, 9.5) = 617.5) has coverage 1000 exp(-0.52 t) / 520, which
    # on the last monitoring date (day 335-364) is 1.148-1.193: below the warning (1.3) and
    # top-up (1.2) lines, above the forced-sale line (1.1). Probabilities 1, 1, 0 exactly,
    # in the simulation and in the closed form.
    a = make_assumptions(
        scenarios=500, concentration_limit=1.0, pledge_loan={"requested": 520.0},
        categories={"electronics": {"sigma": 0.0, "cost_advance": 0.65}},
    )  # fmt: skip
    # One unit sold a month: the loan is repaid by 1% a month and coverage, the goods left
    # over the loan left, is the same ratio as for the whole lot.
    frame = lot_frame({"category": "electronics", "unit_cost": 10.0, "monthly_sales": 1.0})
    result = evaluate(frame, a)
    loan = result.pledge_loan
    assert result.summary["borrowing_base"] == pytest.approx(617.5, rel=1e-14)
    assert loan.loan == 520.0
    triggers = loan.triggers.set_index("line")
    assert triggers["probability"].tolist() == [1.0, 1.0, 0.0]
    assert triggers["probability_closed_form"].tolist() == [1.0, 1.0, 0.0]
    assert loan.margin_call_probability == 1.0
    # One top-up, back to the warning line: (1.3 - coverage) times the loan left, with
    # coverage between 1000 exp(-0.52 * 364/365) / 520 and 1.2, and 88 to 90 units of 100
    # left when coverage first falls below 1.2 (after day 331), posted within the year
    # (curve discount factor above 0.98).
    low = 0.98 * 0.88 * 520 * (1.3 - 1.2)
    high = 0.90 * 520 * (1.3 - 1000 * math.exp(-0.52 * 364 / 365) / 520)
    assert low < loan.expected_top_up < high


# ------------------------------------------- 2. no erosion, markdown, expiry or storage
@pytest.mark.parametrize("rate", [0.02, 0.0, -0.005])
@pytest.mark.parametrize(("dso", "pd_", "lgd"), [(0, 0.0, 0.0), (60, 0.03, 0.6)])
def test_holding_loss_is_market_value_less_pv_of_scheduled_sales(rate, dso, pd_, lgd):
    # docs/model.md sections 6 and 7a, storage 0, price factor 1. Each month-end sale is
    # invoiced at units * 10, collected dso days later less the bad debt pd * lgd; the
    # selling cost 8% of the invoice is paid on the sale day.
    #   L0: 60 units, no monthly_sales -> 60 / months_to_clear (6) = 10 a month: six
    #       invoices of 100 at days 30 ... 181, nothing left for the horizon's sale.
    #   L1: 25 units at 10 a month: 100, 100, then the last 5 units for 50 at day 92.
    # Loss of value: MV less the PV of the collections; costs: the selling costs.
    a = make_assumptions(
        scenarios=500, curve={"1Y": rate}, discount_rate=0.08,
        trade={"dso_days": dso, "customer_pd": pd_, "customer_lgd": lgd},
        categories={"generic": {"erosion": 0.0, "storage_cost": 0.0, **SECTION_6}},
    )  # fmt: skip
    frame = lot_frame({"quantity": 60.0}, {"quantity": 25.0, "monthly_sales": 10.0})
    result = evaluate(frame, a)
    kept = 1 - pd_ * lgd
    sales = [(100, d) for d in MONTH_ENDS] + [(100, 30), (100, 61), (50, 92)]
    value0 = sum(s * kept * flat(rate, d + dso) for s, d in sales[:6])
    value1 = sum(s * kept * flat(rate, d + dso) for s, d in sales[6:])
    cost0 = sum(0.08 * s * flat(rate, d) for s, d in sales[:6])
    cost1 = sum(0.08 * s * flat(rate, d) for s, d in sales[6:])
    # the lots' holding loss (section 6): MV less the PV of the net proceeds
    assert result.lots["expected_holding_loss"].tolist() == pytest.approx(
        [600 - value0 + cost0, 250 - value1 + cost1], rel=1e-12, abs=1e-12
    )
    hold = result.options.set_index("option").loc["hold"]
    assert hold["pv_costs"] == pytest.approx(sum(0.08 * s * flat(rate, d) for s, d in sales))
    assert hold["expected_loss_retained"] == pytest.approx(850 - value0 - value1)
    cash = sum(s * kept * company(0.08, d + dso) - 0.08 * s * company(0.08, d) for s, d in sales)
    assert hold["npv"] == pytest.approx(cash - 850, rel=1e-12)


# ------------------------------------------------------------- 3. a zero-day horizon
def test_zero_day_liquidation_horizon_leaves_only_the_orderly_discount():
    # T_m = 0 and T_o = 0 (so T_f = 0 too): H = 0, no time for price, erosion or
    # volatility to act: h = d_o = 0.30 whatever sigma (0.20) and erosion (0.10).
    a = make_assumptions(
        scenarios=500, margin_period_days=0, concentration_limit=1.0,
        categories={"generic": {"orderly_days": 0, "forced_days": 0}},
    )  # fmt: skip
    received = {"age_days": np.nan, "received_date": "2026-11-01"}
    frame = lot_frame(
        {},
        {**received, "expiry_date": "2026-11-25"},  # day 1: not within a zero horizon
        {**received, "expiry_date": "2026-11-24"},  # day 0: expired
    )
    result = evaluate(frame, a)
    lots = result.lots
    assert lots["ineligible_reason"].tolist() == ["", "", "expired"]
    assert lots["liquidation_days"].tolist() == [0, 0, 0]
    assert lots["haircut"].iloc[:2].tolist() == pytest.approx([0.30, 0.30], rel=1e-14)
    assert lots["advance_rate"].iloc[:2].tolist() == pytest.approx([0.70, 0.70], rel=1e-14)
    # OLV = MV (1 - d_o) with no erosion over zero days; FLV = MV (1 - d_f)
    assert lots["olv"].iloc[0] == pytest.approx(700.0, rel=1e-14)
    assert lots["flv"].iloc[0] == pytest.approx(450.0, rel=1e-14)
    # lesser of 700 (haircut), 0.5 * 800 = 400 (cost), 0.85 * 700 = 595 (nolv)
    assert lots["lendable_value"].tolist() == pytest.approx([400.0, 400.0, 0.0])
    # the simulated portfolio sells at day 0, where every shock is 1
    assert result.summary["portfolio_haircut"] == pytest.approx(0.30, rel=1e-14)
    generic = result.haircuts.set_index("category").loc["generic"]
    assert generic["liquidation_days"] == 0
    assert generic["volatility_haircut"] == 0.0
    assert result.summary["lender_expected_loss"] == 0.0  # proceeds 1400 >= loan 800


# ------------------------------------------------------------ 4. nothing is eligible
@pytest.fixture(scope="module")
def all_damaged():
    # A generic and a copper (receipt-eligible) lot, both damaged.
    frame = lot_frame({"damaged": True}, {"category": "copper", "damaged": True})
    return frame, evaluate(frame, make_assumptions(scenarios=500))


def test_all_ineligible_lends_nothing_and_keeps_numbers_finite(all_damaged):
    _, result = all_damaged
    lots, s = result.lots, result.summary
    assert lots["ineligible_reason"].tolist() == ["damaged", "damaged"]
    assert (lots["lendable_value"] == 0.0).all()
    assert (lots["concentration_excess"] == 0.0).all()
    assert lots["binding_limit"].tolist() == ["", ""]
    assert s["borrowing_base"] == 0.0
    assert s["eligible_value"] == 0.0
    assert s["ineligible_value"] == 2000.0
    assert s["ineligible_by_reason"]["damaged"] == 2000.0
    assert s["portfolio_haircut"] == 0.0  # empty pool (haircut.portfolio_haircut docstring)
    assert s["weighted_lot_haircut"] == 0.0
    assert s["loan_amount"] == 0.0
    assert s["margin_call_probability"] == 0.0
    assert s["lender_expected_loss"] == 0.0
    assert_money_finite(result)

    options = result.options.set_index("option")
    hold = options.loc["hold"]
    for route, why in (("pledge_loan", "no borrowing base"), ("receipt_trust", "no eligible")):
        row = options.loc[route]
        assert row["cash_now"] == 0.0
        assert not row["feasible"]
        assert why in row["notes"]
        assert math.isnan(row["effective_annual_cost"])  # nothing is borrowed
        # nothing is taken: the row is holding everything
        for col in ("expected_loss_retained", "npv", "pv_costs", "loss_retained_p95"):
            assert row[col] == pytest.approx(hold[col], rel=1e-12)
    assert math.isnan(options.loc["hold", "effective_annual_cost"])
    assert math.isnan(options.loc["liquidate", "effective_annual_cost"])
    # the best NPV among the feasible rows (hold, liquidate), never a route that raises 0
    feasible = result.options[result.options["feasible"]]
    assert set(feasible["option"]) <= {"hold", "liquidate", "abs", "mix"}
    assert result.recommendation.option == feasible.loc[feasible["npv"].idxmax(), "option"]


def test_all_ineligible_certificate_has_no_advance_rate(all_damaged):
    _, result = all_damaged
    cert = borrowing_base_certificate(result).set_index("line")["amount"]
    assert cert["gross_inventory"] == 2000.0
    assert cert["ineligible_damaged"] == -2000.0
    assert cert["eligible_inventory"] == 0.0
    assert cert["borrowing_base"] == 0.0
    assert cert["loan"] == 0.0
    assert cert["availability"] == 0.0
    assert math.isnan(cert["advance_rate"])


@pytest.mark.parametrize(
    ("target", "kind", "option"),
    [(100.0, "beats", "liquidate"), (1e9, "target_out_of_reach", "")],
)
def test_all_ineligible_recommendation_with_a_cash_target(all_damaged, target, kind, option):
    # Only the clearance channels raise cash: liquidate meets a small target (the mix, the
    # same allocation, ties with it) and raises the most when the target is out of reach,
    # where nothing is recommended.
    frame, _ = all_damaged
    result = evaluate(frame, make_assumptions(scenarios=500, cash_target=target))
    rec = result.recommendation
    options = result.options.set_index("option")
    if option:
        assert rec.option in ("liquidate", "mix")
        assert options.loc["mix", "npv"] == pytest.approx(options.loc["liquidate", "npv"])
    else:
        assert rec.option == ""
        assert rec.max_cash_option in ("liquidate", "mix")
        assert rec.max_cash == pytest.approx(options.loc["liquidate", "cash_now"])
    assert rec.kind in (kind, "ties")


# ------------------------------------------------------------------ 5. a single lot
@pytest.mark.parametrize("limit", [0.25, 0.6, 1.0])
def test_single_lot_concentration_caps_it_at_the_limit_times_itself(limit):
    # One pass against the total before concentration (MODEL.md section 4): with one lot
    # the total is the lot itself, so it lends limit x its own lendable value.
    #   MV (1 - h) = 1000 (1 - h(0.2, 74 days, exp(-0.1 * 74/365), 0.3)) = 554.05
    #   0.5 * BOOK = 0.5 * 100 * min(8, 10 * 0.92) = 400        <- binds
    #   0.85 * OLV = 0.85 * 1000 * exp(-0.1 * 60/365) * 0.7 = 585.30
    limits = [
        1000 * (1 - haircut(0.2, 74, math.exp(-0.1 * 74 / 365), 0.3)),
        0.5 * 800,
        0.85 * 1000 * math.exp(-0.1 * 60 / 365) * 0.7,
    ]
    assert min(limits) == 400
    result = evaluate(lot_frame({}), make_assumptions(scenarios=500, concentration_limit=limit))
    lot = result.lots.iloc[0]
    assert lot["binding_limit"] == "cost"
    assert lot["lendable_value"] == pytest.approx(limit * 400, rel=1e-14)
    assert lot["concentration_excess"] == pytest.approx((1 - limit) * 400, rel=1e-14, abs=1e-12)
    assert result.summary["borrowing_base"] == pytest.approx(limit * 400, rel=1e-14)
    cert = borrowing_base_certificate(result).set_index("line")["amount"]
    assert cert["lendable_before_concentration"] == pytest.approx(400.0)
    assert cert["advance_rate"] == pytest.approx(limit * 400 / 1000, rel=1e-14)


# ------------------------------------------------- 6. expiry at the liquidation horizon
def test_expiry_around_the_liquidation_horizon():
    # MODEL.md section 4: near_expiry when expiry < t0 + T_m + T_o (strict), here day 74.
    # At exactly day 74 the lot is eligible but S(H) = salvage (0.1) enters its haircut.
    a = make_assumptions(scenarios=500, categories={"generic": {"salvage": 0.1}})
    expiries = [0, 1, 73, 74, 75]
    frame = lot_frame(
        *(
            {"age_days": np.nan, "received_date": "2026-11-01",
             "expiry_date": (T0 + dt.timedelta(days=d)).isoformat()}
            for d in expiries
        )
    )  # fmt: skip
    result = evaluate(frame, a)
    lots = result.lots
    assert lots["days_to_expiry"].tolist() == expiries
    assert lots["ineligible_reason"].tolist() == ["expired", "near_expiry", "near_expiry", "", ""]
    assert (lots["lendable_value"].iloc[:3] == 0.0).all()
    erosion = math.exp(-0.1 * 74 / 365)
    assert lots["haircut"].iloc[3] == pytest.approx(haircut(0.2, 74, erosion * 0.1, 0.3))
    assert lots["haircut"].iloc[4] == pytest.approx(haircut(0.2, 74, erosion, 0.3))
    assert lots["lendable_value"].iloc[3] == pytest.approx(
        1000 * (1 - haircut(0.2, 74, erosion * 0.1, 0.3)), rel=1e-9
    )


def test_longer_margin_period_moves_the_expiry_boundary_and_age_is_strict():
    # T_m = 20: horizon 80 days, so expiry at day 79 is near expiry and day 80 is not.
    # aging_limit_days = 360: 360 days old is eligible, 361 is aged (age > limit).
    a = make_assumptions(scenarios=500, margin_period_days=20)
    frame = lot_frame(
        {"expiry_date": (T0 + dt.timedelta(days=79)).isoformat()},
        {"expiry_date": (T0 + dt.timedelta(days=80)).isoformat()},
        {"age_days": 360.0},
        {"age_days": 361.0},
    )
    lots = evaluate(frame, a).lots
    assert lots["liquidation_days"].tolist() == [80, 80, 80, 80]
    assert lots["ineligible_reason"].tolist() == ["near_expiry", "", "", "aged"]


# -------------------------------------------------------------- 7. a 100% markdown
def _markdown_all(season_end: str, **extra):
    return make_assumptions(
        scenarios=500, curve={"1Y": 0.02}, trade=CASH_SALES,
        categories={
            "generic": {"markdown": 1.0, "season_ends": [season_end], **SECTION_6, **extra}
        },
    )  # fmt: skip


def _storage_pv(rate: float) -> float:
    # 60 units, 10 sold a month: storage 0.04/12 * units held * 10 billed at each month's
    # start while any are held (60, 50, ..., 10 units at days 0, 30, ..., 151).
    starts = [0, *MONTH_ENDS[:5]]
    return sum(0.04 / 12 * (60 - 10 * m) * 10 * flat(rate, d) for m, d in enumerate(starts))


def test_full_markdown_inside_the_horizon_wipes_out_the_collateral():
    # Season end 2026-12-15 (day 21) inside H = 74 days: M(H) = 0, so h = 1 and the lot
    # lends nothing; OLV (60 days) = 0; FLV (14 days, before the markdown) is untouched.
    # Every normal-course sale (from day 30) is worth 0: the loss of value is all the MV
    # (storage is a cost, not a loss of value: docs/model.md section 7a); the holding loss
    # of section 6 adds the storage.
    result = evaluate(lot_frame({"quantity": 60.0}), _markdown_all("12-15"))
    lot = result.lots.iloc[0]
    assert lot["haircut"] == 1.0
    assert lot["advance_rate"] == 0.0
    assert lot["olv"] == 0.0
    assert lot["flv"] == pytest.approx(600 * math.exp(-0.1 * 14 / 365) * 0.45, rel=1e-14)
    assert lot["eligible"]
    assert lot["lendable_value"] == 0.0
    expected = 600 + _storage_pv(0.02)
    assert lot["expected_holding_loss"] == pytest.approx(expected, rel=1e-12)
    hold = result.options.set_index("option").loc["hold"]
    assert hold["pv_costs"] == pytest.approx(_storage_pv(0.02), rel=1e-12)
    assert hold["expected_loss_retained"] == pytest.approx(600.0, rel=1e-12)
    s = result.summary
    assert s["portfolio_haircut"] == 1.0
    assert s["borrowing_base"] == 0.0
    # a certain loss has no dispersion
    assert s["holding_loss_p95"] == pytest.approx(expected, rel=1e-12)
    assert s["holding_loss_p99"] == pytest.approx(expected, rel=1e-12)
    assert_money_finite(result)
    assert np.isfinite(result.haircuts.select_dtypes("number").to_numpy(dtype=float)).all()
    for key in ("market_value", "olv", "flv", "borrowing_base", "expected_holding_loss"):
        assert math.isfinite(s[key])


def test_full_markdown_after_the_horizon_keeps_the_haircut_and_zeroes_later_sales():
    # Season end 2027-03-31 (day 127) beyond H = 74: h, OLV as without markdown. Sales at
    # days 30, 61, 92, 120 are invoiced at 10 * 10 * exp(-0.1 t); those at 151 and 181 at 0.
    result = evaluate(lot_frame({"quantity": 60.0}), _markdown_all("03-31"))
    lot = result.lots.iloc[0]
    assert lot["haircut"] == pytest.approx(haircut(0.2, 74, math.exp(-0.1 * 74 / 365), 0.3))
    assert lot["olv"] == pytest.approx(600 * math.exp(-0.1 * 60 / 365) * 0.7, rel=1e-14)
    value = sum(100 * math.exp(-0.1 * d / 365) * flat(0.02, d) for d in MONTH_ENDS[:4])
    assert lot["expected_holding_loss"] == pytest.approx(
        600 - 0.92 * value + _storage_pv(0.02), rel=1e-12
    )
    hold = result.options.set_index("option").loc["hold"]
    assert hold["pv_costs"] == pytest.approx(_storage_pv(0.02) + 0.08 * value, rel=1e-12)
    assert_money_finite(result)


def test_worthless_trust_pool_does_not_print_nan_in_its_notes():
    # The trust's goods are worth 0 at maturity: no coupon makes the senior units worth
    # par, so fair_senior_coupon is NaN (documented). The notes must say so in words.
    result = evaluate(lot_frame({}), _markdown_all("12-15", receipt_eligible=True))
    assert math.isnan(result.receipt_trust.fair_senior_coupon)
    row = result.options.set_index("option").loc["receipt_trust"]
    assert "nan" not in row["notes"].lower()
    # No investor buys units no coupon can pay for: the route is not feasible.
    assert not row["feasible"]
    assert row["notes"] == "no senior coupon would compensate investors for the risk they bear"


# ------------------------------------------------ 8. one lot holds nearly all the value
def test_dominant_lot_concentration_excess_is_exact():
    # A: 1000 units, lesser-of -> cost 0.5 * 1000 * 8 = 4000; B: 10 units -> 40;
    # C: damaged, 5000 units: lends nothing and is not in the total.
    # cap = 0.25 * (4000 + 40) = 1010; A's excess 4000 - 1010 = 2990; B is under the cap.
    frame = lot_frame(
        {"quantity": 1000.0}, {"quantity": 10.0}, {"quantity": 5000.0, "damaged": True}
    )
    result = evaluate(frame, make_assumptions(scenarios=500))
    lots = result.lots
    assert lots["binding_limit"].tolist() == ["cost", "cost", ""]
    assert lots["concentration_excess"].tolist() == pytest.approx([2990.0, 0.0, 0.0], rel=1e-14)
    assert lots["lendable_value"].tolist() == pytest.approx([1010.0, 40.0, 0.0], rel=1e-14)
    assert result.summary["concentration_excess"] == pytest.approx(2990.0, rel=1e-14)
    assert result.summary["borrowing_base"] == pytest.approx(1050.0, rel=1e-14)
    cert = borrowing_base_certificate(result).set_index("line")["amount"]
    assert cert["lendable_before_concentration"] == pytest.approx(4040.0)
    assert cert["concentration_excess"] == pytest.approx(-2990.0)


# ------------------------------------------------------------------ 9. negative rates
def _irr(received: float, days: np.ndarray, payments: np.ndarray) -> float:
    """Effective annual r with received = sum(payment / (1 + r)^(days / 365))."""

    def gap(r: float) -> float:
        return float((payments / (1 + r) ** (days / 365)).sum()) - received

    return brentq(gap, -0.5, 1.0, xtol=1e-14)


def test_negative_rates_keep_every_route_finite():
    # Flat -0.5% curve and company rate. Copper has sigma 0 (the trust's pool is
    # deterministic), generic keeps its 20%.
    neg = -0.005
    terms = {"scenarios": 1000, "categories": {"copper": {"sigma": 0.0}}}
    a = make_assumptions(curve={"1M": neg, "1Y": neg, "5Y": neg}, discount_rate=neg, **terms)
    frame = lot_frame({"category": "copper"}, {})
    result = evaluate(frame, a)
    assert_money_finite(result)
    options = result.options.set_index("option")
    assert options.loc[["pledge_loan", "receipt_trust"], "feasible"].all()

    # discount factors above 1, exactly exp(0.005 t)
    schedule = result.pledge_loan.schedule
    days = schedule["days"].to_numpy()
    assert (schedule["discount_factor"].iloc[1:] > 1).all()
    assert schedule["discount_factor"].tolist() == pytest.approx(
        [flat(neg, d) for d in days], rel=1e-12
    )

    # the loan's IRR is finite, solves its own flows, is above the 4.5% nominal rate (fees
    # are positive) and does not depend on the curve
    loan = result.pledge_loan
    irr = loan.all_in_cost
    assert math.isfinite(irr)
    # principal comes back as the goods sell (event days), interest and fees on payment days
    charges = (schedule["interest"] + schedule["monitoring_fee"]).to_numpy()[1:]
    flow_days = np.concatenate([loan.repayments[1:, 0], days[1:]])
    flows = np.concatenate([loan.repayments[1:, 1], charges])
    assert irr == pytest.approx(_irr(loan.loan - loan.upfront_fee, flow_days, flows), abs=1e-9)
    assert loan.repayments[:, 1].sum() == pytest.approx(loan.loan, rel=1e-12)
    assert irr > 0.045
    positive = evaluate(frame, make_assumptions(**terms))
    assert positive.pledge_loan.all_in_cost == pytest.approx(irr, rel=1e-12)

    # the trust's pool is certain to cover the senior claim, so the fair coupon is the
    # curve's simple rate to maturity (one year): (1 / df - 1) / 1 = exp(-0.005) - 1 < 0
    trust = result.receipt_trust
    assert trust.maturity_day == 365
    assert trust.senior_shortfall_pv == 0.0
    assert trust.fair_senior_coupon == pytest.approx(math.exp(neg) - 1, abs=1e-12)
    assert math.isfinite(trust.all_in_cost)

    # company rate = curve (the same -0.5% effective a year as exp(-0.005 t) is not, so the
    # identity of docs/model.md section 7a carries the small rate effect): holding's npv is
    # minus its expected loss and its costs
    hold = options.loc["hold"]
    assert hold["npv"] == pytest.approx(
        hold["rate_effect"] - hold["pv_costs"] - hold["expected_loss_retained"], rel=1e-9
    )


# ----------------------------------------------- 10. a request above the borrowing base
@pytest.mark.parametrize(
    ("requested", "loan", "note"),
    [
        (1e6, 400.0, "the request of CNY 1,000,000 is capped at the borrowing base"),
        (0.0, 400.0, None),  # 0 asks for the whole base
        (150.0, 150.0, "below the borrowing base of CNY 400"),
    ],
)
def test_pledge_loan_is_capped_at_the_borrowing_base(requested, loan, note):
    # One generic lot, no concentration cap: base = 0.5 * BOOK = 400 (see case 5).
    a = make_assumptions(
        scenarios=500, concentration_limit=1.0, pledge_loan={"requested": requested}
    )
    result = evaluate(lot_frame({}), a)
    assert result.summary["borrowing_base"] == pytest.approx(400.0, rel=1e-14)
    assert result.pledge_loan.loan == pytest.approx(loan, rel=1e-14)
    assert result.summary["loan_amount"] == pytest.approx(loan, rel=1e-14)
    row = result.options.set_index("option").loc["pledge_loan"]
    assert row["cash_now"] == pytest.approx(loan * (1 - 0.005), rel=1e-14)
    assert row["notes"].startswith(f"loan CNY {loan:,.0f} at coverage {1000 / loan:.2f}x")
    if note:
        assert note in row["notes"]
    else:
        assert "capped" not in row["notes"] and "below the borrowing base" not in row["notes"]
    cert = borrowing_base_certificate(result).set_index("line")["amount"]
    assert cert["availability"] == pytest.approx(400.0 - loan, abs=1e-9)
