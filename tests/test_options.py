import pandas as pd
import pytest

from finance.options import OPTION_COLUMNS, OptionRow, options_table, recommend


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
