"""Basel III foundation-IRB loss given default of a loan secured by physical collateral.

CRE32 with no exposure haircut (H_E = 0), for "other physical collateral":

    E_S  = min(C (1 - H_C), E)          secured part, H_C = 40%
    E_U  = E - E_S                      unsecured part
    LGD* = (LGD_U E_U + LGD_S E_S) / E  LGD_S = 25%, LGD_U = 40% (senior corporate)

E is the loan, C the eligible collateral's market value.
"""

from __future__ import annotations

COLLATERAL_HAIRCUT = 0.40  # H_C, other physical collateral
LGD_SECURED = 0.25  # LGD_S
LGD_UNSECURED = 0.40  # LGD_U, senior claims on non-financial corporates


def firb_lgd(exposure: float, collateral: float) -> float:
    """Return LGD* of a loan of ``exposure`` secured by ``collateral`` (both in currency).

    Returns NaN for a zero exposure (there is no loan to have a loss rate).
    """
    if exposure <= 0:
        return float("nan")
    secured = min(collateral * (1.0 - COLLATERAL_HAIRCUT), exposure)
    unsecured = exposure - secured
    return (LGD_UNSECURED * unsecured + LGD_SECURED * secured) / exposure
