"""Lots prepared for the engine (finance/collateral/lots.py)."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.mark.parametrize(
    ("values", "dtype", "expected"),
    [
        (["apparel", "copper", "spaceships", "food"], "str", [0, 2, -1, 1]),
        (["apparel", None, "copper"], object, [0, -1, 2]),
        (["apparel", float("nan"), "copper"], None, [0, -1, 2]),
        ([1, "apparel"], object, [-1, 0]),  # a number among text: the indexer's way
        ([], "str", []),
    ],
)
def test_positions_of_the_categories_as_pandas_would_find_them(values, dtype, expected):
    from finance.collateral.lots import _positions

    table = ("apparel", "food", "copper")
    series = pd.Series(values, dtype=dtype)
    assert _positions(series, table).tolist() == expected
    assert pd.Index(table).get_indexer(series).tolist() == expected
