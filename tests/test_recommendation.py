import math

import pytest

from finance.decision.comparison import OptionRow, options_table
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
        ([("hold", 0, -10), ("liquidate", 100, -5, False)], 50, ""),
        ([("hold", 0, -10), ("liquidate", 100, -30)], 1000, ""),
    ],
)
def test_recommendation(rows, target, choice):
    rows = [r if len(r) == 4 else (*r, True) for r in rows]
    rec = recommend(_table(*rows), target)
    assert rec.option == choice
    assert choice in rec.reason
    assert rec.is_recommendation == bool(choice)


def test_target_out_of_reach_is_said_and_nothing_is_recommended():
    rec = recommend(_table(("hold", 0, -10, True), ("liquidate", 100, -30, True)), 1000)
    assert "No option raises the target" in rec.reason
    assert "nothing is recommended" in rec.reason
    assert rec.option == ""
    assert not rec.is_recommendation
    assert (rec.max_cash, rec.max_cash_option) == (100.0, "liquidate")


def test_the_sentence_names_the_company_rate():
    table = _table(("hold", 0, -10, True), ("pledge_loan", 80, -8, True))
    rec = recommend(table, 0, "CNY", 0.08)
    assert rec.reason == (
        "pledge_loan has the best net present value at the company's 8.0% cost of capital "
        "(CNY -8): it beats the next best, hold, by CNY 2. It raises CNY 80 now; its 95% loss "
        "kept is CNY 0."
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
            ("target_out_of_reach", "", "", 0.0, NAN, NAN), id="out_of_reach",
        ),
        pytest.param(
            # an infeasible route raising more is not the one named
            [("hold", 0, -10, True), ("pledge_loan", 60, -8, True), ("abs", 500, -1, False)], 100,
            ("target_out_of_reach", "", "", 0.0, NAN, NAN),
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
    assert ("it is the only" in rec.reason) == (kind == "only")
    assert ("No option raises the target" in rec.reason) == (kind == "target_out_of_reach")
    if kind == "target_out_of_reach":
        # the row that raises the most is named: a feasible one
        best = max((r for r in rows if r[3]), key=lambda r: r[1])
        assert rec.max_cash_option == best[0]
        assert rec.max_cash == best[1]


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


def _rows(*rows, p95=0.0, error=0.0):
    return options_table(
        [
            OptionRow(o, cash, 0.0, 0.0, 0.0, p95, npv, NAN, True, "", npv_std_error=error)
            for o, cash, npv in rows
        ]
    )


@pytest.mark.parametrize(
    ("lead", "error", "kind", "option"),
    [
        (10.0, 6.0, "hold_within_noise", "hold"),  # 10 <= 2 x 6: noise
        (10.0, 5.0, "hold_within_noise", "hold"),  # exactly two standard errors: noise
        (10.0, 4.0, "beats", "pledge_loan"),  # 10 > 2 x 4
        (10.0, 0.0, "beats", "pledge_loan"),
    ],
)
def test_without_a_target_a_financing_route_must_beat_hold_by_more_than_the_noise(
    lead, error, kind, option
):
    table = _rows(("hold", 0, -100.0), ("pledge_loan", 80, -100.0 + lead), error=error)
    rec = recommend(table, 0)
    assert (rec.kind, rec.option) == (kind, option)
    if kind == "hold_within_noise":
        assert rec.runner_up == "pledge_loan"
        assert rec.margin == pytest.approx(lead)
        assert "noise" in rec.reason


def test_with_a_target_the_noise_rule_does_not_apply():
    table = _rows(("hold", 0, -100.0), ("pledge_loan", 80, -99.0), error=50.0)
    assert recommend(table, 50).option == "pledge_loan"


def test_the_risk_limit_leaves_out_rows_above_it():
    table = options_table(
        [
            OptionRow("hold", 0, 0, 0, 0, 900.0, -10, NAN, True, ""),
            OptionRow("liquidate", 100, 0, 0, 0, 50.0, -20, NAN, True, ""),
        ]
    )
    assert recommend(table, 0).option == "hold"
    assert recommend(table, 0, max_loss_p95=100).option == "liquidate"
    out = recommend(table, 0, max_loss_p95=10)
    assert (out.kind, out.option) == ("target_out_of_reach", "")
    assert "risk limit of CNY 10" in out.reason


def test_a_recommended_loan_names_its_coverage_and_trigger_probabilities():
    table = _rows(("hold", 0, -100.0), ("pledge_loan", 80, -50.0))
    risks = {
        "pledge_loan": {"coverage": 2.2, "p_warning": 0.33, "p_top_up": 0.2, "p_forced_sale": 0.05}
    }
    rec = recommend(table, 50, risks=risks)
    assert rec.option == "pledge_loan"
    assert "coverage 2.20x" in rec.reason
    assert "warning line in 33.0%" in rec.reason
    assert "top-up (margin call) line in 20.0%" in rec.reason
    assert "forced-sale line in 5.0%" in rec.reason
    assert dict(rec.risks)["p_top_up"] == 0.2


def test_a_recommended_trust_names_the_coupon_investors_need():
    table = _rows(("hold", 0, -100.0), ("receipt_trust", 80, -50.0))
    rec = recommend(
        table, 50, risks={"receipt_trust": {"fair_coupon": 0.187, "offered_coupon": 0.05}}
    )
    assert "senior coupon of 18.70%" in rec.reason
    assert "5.00% offered" in rec.reason


def test_a_recommended_mix_says_what_goes_where():
    table = _rows(("hold", 0, -100.0), ("mix", 80, -50.0))
    allocation = (("apparel", "liquidate", 0.6), ("steel", "pledge_loan", 1.0))
    rec = recommend(table, 50, allocation=allocation)
    assert rec.allocation == allocation
    assert "60% of apparel to liquidate, 100% of steel to pledge_loan" in rec.reason
