import pandas as pd

from finance.decision.comparison import OPTION_COLUMNS, OptionRow, options_table


def _table(*rows):
    return options_table(
        [
            OptionRow(o, cash, 0.0, 0.0, 0.0, 0.0, npv, float("nan"), ok, "")
            for o, cash, npv, ok in rows
        ]
    )


def test_columns_in_contract_order():
    assert list(_table(("hold", 0, 0, True)).columns) == list(OPTION_COLUMNS)
    assert isinstance(_table(("hold", 0, 0, True)), pd.DataFrame)


def test_npv_vs_hold_is_each_rows_lead_over_hold():
    table = _table(("hold", 0, -10, True), ("liquidate", 100, -4, True), ("abs", 90, -12, True))
    assert table["npv_vs_hold"].tolist() == [0.0, 6.0, -2.0]


def test_an_empty_table_has_the_columns():
    assert list(options_table([]).columns) == list(OPTION_COLUMNS)
