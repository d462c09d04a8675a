import math

import pandas as pd
import pytest

from finance.decision.comparison import OPTION_COLUMNS, OptionRow, options_table
from finance.decision.recommendation import Recommendation, recommend


def _table(*rows):
    return options_table(
        [
            OptionRow(o, cash, 0.0, 0.0, 0.0, 0.0, npv, float("nan"), ok, "")
            for o, cash, npv, ok in rows
        ]
    )


@pytest.mark.parametrize(
    ("rows", "target", "choice"),
    [
        ([("hold", 0, -10), ("liquidate", 100, -30)], 0, "hold"),
        ([("hold", 0, -10), ("liquidate", 100, -30)], 50, "liquidate"),
        ([("hold", 0, -10), ("liquidate", 100, -30), ("pledge_loan", 80, -12)], 50, "pledge_loan"),
        ([("hold", 0, -10), ("liquidate", 100, -5, False)], 50, "hold"),
        ([("hold", 0, -10), ("liquidate", 100, -30)], 1000, "liquidate"),
    ],
)
def test_recommendation(rows, target, choice):
    rows = [r if len(r) == 4 else (*r, True) for r in rows]
    rec = recommend(_table(*rows), target)
    assert rec.option == choice
    assert choice in rec.reason


def test_target_out_of_reach_is_said():
    rec = recommend(_table(("hold", 0, -10, True), ("liquidate", 100, -30, True)), 1000)
    assert "No option raises the target" in rec.reason


def test_columns_in_contract_order():
    assert list(_table(("hold", 0, 0, True)).columns) == list(OPTION_COLUMNS)
    assert isinstance(_table(("hold", 0, 0, True)), pd.DataFrame)


def test_the_sentence_names_the_company_rate():
    table = _table(("hold", 0, -10, True), ("pledge_loan", 80, -8, True))
    rec = recommend(table, 0, "CNY", 0.08)
    assert rec.reason == (
        "pledge_loan has the best net present value at the company's 8.0% cost of capital "
        "(CNY -8): it beats the next best, hold, by CNY 2."
    )


NAN = float("nan")


# rows: (option, cash_now, npv, feasible); expected: kind, option, runner_up, margin, npv, cash
@pytest.mark.parametrize(
    ("rows", "target", "expected"),
    [
        pytest.param(
            [("hold", 0, -10, False), ("liquidate", 100, -30, False)], 0,
            ("none_feasible", "", "", 0.0, NAN, NAN), id="none_feasible",
        ),
        pytest.param(
            [], 0, ("none_feasible", "", "", 0.0, NAN, NAN), id="none_feasible_empty_table",
        ),
        pytest.param(
            [("hold", 0, -10, True), ("liquidate", 100, -30, True), ("abs", 70, -5, True)], 1000,
            ("target_out_of_reach", "liquidate", "", 0.0, -30.0, 100.0), id="out_of_reach",
        ),
        pytest.param(
            # an infeasible route raising more is not the one named
            [("hold", 0, -10, True), ("pledge_loan", 60, -8, True), ("abs", 500, -1, False)], 100,
            ("target_out_of_reach", "pledge_loan", "", 0.0, -8.0, 60.0),
            id="out_of_reach_ignores_infeasible",
        ),
        pytest.param(
            [("hold", 0, -10, True), ("liquidate", 100, -30, True)], 50,
            ("only", "liquidate", "", 0.0, -30.0, 100.0), id="only_one_raises_the_target",
        ),
        pytest.param(
            [("hold", 0, -10, True), ("liquidate", 100, 5, False)], 0,
            ("only", "hold", "", 0.0, -10.0, 0.0), id="only_one_feasible",
        ),
        pytest.param(
            [("hold", 0, -10, True), ("liquidate", 100, -30, True), ("pledge_loan", 80, -12, True)],
            0, ("beats", "hold", "pledge_loan", 2.0, -10.0, 0.0), id="beats",
        ),
        pytest.param(
            # the runner-up must raise the target too: hold (-1) does not, abs (-20) does
            [("hold", 0, -1, True), ("pledge_loan", 80, -12, True), ("abs", 90, -20, True)], 50,
            ("beats", "pledge_loan", "abs", 8.0, -12.0, 80.0), id="beats_among_those_raising",
        ),
        pytest.param(
            # the runner-up must be feasible: liquidate (-3) is not
            [("hold", 0, -10, True), ("liquidate", 100, -3, False), ("abs", 90, -15.25, True)], 0,
            ("beats", "hold", "abs", 5.25, -10.0, 0.0), id="beats_feasible_runner_up",
        ),
        pytest.param(
            [("hold", 0, -10.0, True), ("pledge_loan", 80, -10.3, True)], 0,
            ("ties", "hold", "pledge_loan", 0.3, -10.0, 0.0), id="ties_within_half_a_unit",
        ),
        pytest.param(
            [("hold", 0, -10.0, True), ("pledge_loan", 80, -10.0, True)], 0,
            ("ties", "hold", "pledge_loan", 0.0, -10.0, 0.0), id="ties_exactly",
        ),
        pytest.param(
            [("hold", 0, -10.0, True), ("pledge_loan", 80, -10.6, True)], 0,
            ("beats", "hold", "pledge_loan", 0.6, -10.0, 0.0), id="beats_by_more_than_half",
        ),
    ],
)  # fmt: skip
def test_recommendation_parts(rows, target, expected):
    kind, option, runner_up, margin, npv, cash = expected
    rec = recommend(_table(*rows), target)
    assert rec.kind == kind
    assert rec.option == option
    assert rec.runner_up == runner_up
    assert rec.margin == pytest.approx(margin, abs=1e-12)
    if math.isnan(npv):
        assert math.isnan(rec.npv)
        assert math.isnan(rec.cash_now)
    else:
        assert rec.npv == pytest.approx(npv)
        assert rec.cash_now == pytest.approx(cash)
    # the sentence and the parts agree
    assert option in rec.reason
    if runner_up:
        assert runner_up in rec.reason
    assert ("ties with" in rec.reason) == (kind == "ties")
    assert ("beats the next best" in rec.reason) == (kind == "beats")
    assert ("only feasible route" in rec.reason) == (kind == "only")
    assert ("No option raises the target" in rec.reason) == (kind == "target_out_of_reach")


def test_recommendation_parts_are_plain_python_values():
    rec = recommend(_table(("hold", 0, -10, True), ("abs", 90, -12, True)), 0)
    for value in (rec.margin, rec.npv, rec.cash_now):
        assert type(value) is float
    assert type(rec.runner_up) is str
    assert type(rec.option) is str


def test_recommendation_defaults_for_old_callers():
    # Recommendation(option, reason) still works: the new parts have neutral defaults.
    rec = Recommendation("hold", "because")
    assert (rec.kind, rec.runner_up, rec.margin) == ("", "", 0.0)
    assert math.isnan(rec.npv)
    assert math.isnan(rec.cash_now)
