"""Alerts on a run against the borrower's previous run (docs/model.md section 10)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from conftest import T0, lot_frame, make_assumptions

from finance import evaluate
from finance.history import CODES, Alert, RunView, alerts, run_view
from finance.locale import render

T1 = T0 + dt.timedelta(days=30)
ASSUMPTIONS = make_assumptions(scenarios=100)
NO_LOTS = pd.DataFrame(
    {
        "sku": pd.Series([], dtype=object),
        "market_value": pd.Series([], dtype=float),
        "eligible": pd.Series([], dtype=bool),
        "ineligible_reason": pd.Series([], dtype=object),
        "lendable_value": pd.Series([], dtype=float),
        "concentration_excess": pd.Series([], dtype=float),
    }
)


def view(eligible_value: float, loan: float = 0.0, lots: pd.DataFrame = NO_LOTS) -> RunView:
    """A run by hand: only the eligible value and the loan (lines 1.3 / 1.2 / 1.1)."""
    return RunView(
        borrower="acme",
        summary={"eligible_value": eligible_value, "currency": "CNY"},
        lots=lots,
        loan=loan,
        warning_line=1.3,
        top_up_line=1.2,
        forced_sale_line=1.1,
    )


def codes(found: list[Alert]) -> list[str]:
    return [a.code for a in found]


# ---------------------------------------------------------------------------- coverage


@pytest.mark.parametrize(
    ("collateral", "expected"),
    [
        (1400.0, []),
        (1300.0, []),  # at the line is not below it
        (1299.99, ["warning_line"]),
        (1200.0, ["warning_line"]),
        (1199.99, ["top_up_line"]),
        (1100.0, ["top_up_line"]),
        (1099.99, ["forced_sale_line"]),
        (0.0, ["forced_sale_line"]),
    ],
)
def test_coverage_lines(collateral, expected):
    found = alerts(None, view(collateral, loan=1000.0), ASSUMPTIONS)
    assert codes(found) == expected
    if expected:
        (alert,) = found
        assert alert.value == pytest.approx(collateral / 1000.0)
        assert alert.threshold == {"warning_line": 1.3, "top_up_line": 1.2}.get(expected[0], 1.1)


def test_no_loan_no_coverage_alert():
    assert alerts(None, view(0.0, loan=0.0), ASSUMPTIONS) == []
    assert view(5.0).coverage == math.inf


# ---------------------------------------------------------------------------- collateral change


@pytest.mark.parametrize(
    ("now", "raised"),
    [(1100.0, False), (1100.01, True), (900.0, False), (899.99, True), (1000.0, False)],
)
def test_collateral_change_around_the_threshold(now, raised):
    found = alerts(view(1000.0), view(now), ASSUMPTIONS)
    assert codes(found) == (["collateral_change"] if raised else [])
    if raised:
        (alert,) = found
        assert alert.value == pytest.approx((now - 1000.0) / 1000.0)
        assert alert.threshold == 0.10


def test_collateral_change_follows_the_assumption():
    strict = make_assumptions(scenarios=100, alert_change=0.02)
    assert codes(alerts(view(1000.0), view(1030.0), strict)) == ["collateral_change"]
    assert alerts(view(1000.0), view(1030.0), ASSUMPTIONS) == []


def test_collateral_change_needs_a_previous_value():
    assert alerts(None, view(1000.0), ASSUMPTIONS) == []
    assert alerts(view(0.0), view(1000.0), ASSUMPTIONS) == []


def test_runs_of_different_borrowers_are_refused():
    other = RunView("other", {"eligible_value": 1.0}, NO_LOTS, 0.0, 1.3, 1.2, 1.1)
    with pytest.raises(ValueError, match="different borrowers"):
        alerts(other, view(1.0), ASSUMPTIONS)


# ---------------------------------------------------------------------------- from runs


def concentrated(quantity: float):
    """Three SKUs alike but for X's quantity, against a 34% limit."""
    a = make_assumptions(scenarios=100, concentration_limit=0.34)
    result = evaluate(lot_frame({"sku": "X", "quantity": quantity}, {"sku": "Y"}, {"sku": "Z"}), a)
    return result, a


@pytest.mark.parametrize(("quantity", "raised"), [(100.0, False), (103.0, False), (104.0, True)])
def test_concentration_around_the_limit(quantity, raised):
    result, a = concentrated(quantity)
    current = run_view(result, "acme", loan=0.0)
    found = [x for x in alerts(None, current, a) if x.code == "concentration"]
    share = quantity / (quantity + 200.0)  # the SKUs lend alike per unit
    assert share > 0.34 if raised else share < 0.34
    if raised:
        (alert,) = found
        assert alert.value == pytest.approx(share)
        assert alert.threshold == 0.34
        assert "X" in alert.message
    else:
        assert found == []


def aged(age_days: float):
    """A run a month on in which lot OLD (generic: 360-day aging limit) is ``age_days`` old."""
    before = evaluate(lot_frame({"sku": "OLD", "age_days": 330.0}, {"sku": "KEEP"}), ASSUMPTIONS)
    a1 = make_assumptions(scenarios=100, valuation_date=T1)
    after = evaluate(
        lot_frame({"sku": "OLD", "age_days": age_days}, {"sku": "KEEP", "age_days": 40.0}), a1
    )
    return run_view(before, "acme", loan=0.0), run_view(after, "acme", loan=0.0), a1


@pytest.mark.parametrize(("age_days", "raised"), [(360.0, False), (361.0, True)])
def test_turned_ineligible_around_the_aging_limit(age_days, raised):
    previous, current, a = aged(age_days)
    found = [x for x in alerts(previous, current, a) if x.code == "turned_ineligible"]
    if raised:
        (alert,) = found
        old = current.lots[current.lots["sku"] == "OLD"]
        assert alert.value == pytest.approx(old["market_value"].sum())
        assert alert.threshold == 0.0
        assert str(alert.message).startswith("1 lot(s) turned ineligible")
        assert "aged" in alert.message
        assert "1,000.00 CNY" in alert.message
    else:
        assert found == []


def test_turned_ineligible_skips_unmatched_lots():
    lots = pd.DataFrame(
        {
            "sku": ["A", "A", "B"],
            "batch": ["", "", ""],
            "warehouse": ["", "", ""],
            "market_value": [10.0, 10.0, 10.0],
            "eligible": [True, True, True],
            "ineligible_reason": ["", "", ""],
            "lendable_value": [5.0, 5.0, 5.0],
            "concentration_excess": [0.0, 0.0, 0.0],
        }
    )
    later = lots.assign(eligible=False, ineligible_reason="damaged", lendable_value=0.0)
    found = alerts(view(30.0, lots=lots), view(30.0, lots=later), ASSUMPTIONS)
    (alert,) = found
    assert alert.code == "turned_ineligible"
    assert alert.value == 10.0  # B only: A is twice in each run and cannot be matched
    assert alert.message.params["count"] == 1


def test_run_view_of_a_result():
    result = evaluate(lot_frame({"sku": "A"}, {"sku": "B"}), ASSUMPTIONS)
    v = run_view(result, "acme")
    assert v.borrower == "acme"
    assert v.eligible_value == result.summary["eligible_value"]
    assert v.loan == result.pledge_loan.loan
    assert v.coverage == pytest.approx(result.pledge_loan.coverage)
    terms = ASSUMPTIONS.pledge_loan
    assert (v.warning_line, v.top_up_line, v.forced_sale_line) == (
        terms.warning_line,
        terms.top_up_line,
        terms.forced_sale_line,
    )
    assert v.lots is result.lots


# ---------------------------------------------------------------------------- words


def test_every_code_has_words_in_both_languages():
    lots = pd.DataFrame(
        {
            "sku": ["A", "B"],
            "market_value": [100.0, 50.0],
            "eligible": [True, False],
            "ineligible_reason": ["", "damaged"],
            "lendable_value": [30.0, 0.0],
            "concentration_excess": [10.0, 0.0],
        }
    )
    before = lots.assign(eligible=True, ineligible_reason="", lendable_value=20.0)
    found = alerts(view(2000.0, lots=before), view(1000.0, loan=1000.0, lots=lots), ASSUMPTIONS)
    assert codes(found) == ["forced_sale_line", "collateral_change", "concentration",
                            "turned_ineligible"]  # fmt: skip
    for alert in found:
        assert alert.code in CODES
        zh = render(alert.message, "zh")
        assert zh != str(alert.message)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh)
    assert "平仓线" in render(found[0].message, "zh")
    assert "-50.0%" in found[1].message
    assert "残损" in render(found[3].message, "zh")  # the reason by its Chinese label
