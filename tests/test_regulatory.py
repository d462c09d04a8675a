import math

import pytest

from finance.collateral.regulatory import firb_lgd


@pytest.mark.parametrize(
    ("exposure", "collateral", "expected"),
    [
        (100.0, 0.0, 0.40),  # unsecured: LGD_U
        (100.0, 1000.0, 0.25),  # C (1 - 40%) = 600 >= E: fully secured, LGD_S
        (100.0, 100.0, 0.31),  # E_S = 60, E_U = 40: (0.4 * 40 + 0.25 * 60) / 100
        (100.0, 500.0 / 3.0, 0.25),  # E_S exactly E
    ],
)
def test_firb_lgd(exposure, collateral, expected):
    assert firb_lgd(exposure, collateral) == pytest.approx(expected)


def test_no_loan_no_lgd():
    assert math.isnan(firb_lgd(0.0, 10.0))
