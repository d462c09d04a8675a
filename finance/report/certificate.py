"""The borrowing-base certificate: the lender's one-page walk from stock to availability.

The lines follow an asset-based lender's inventory certificate: gross inventory, less each
class of ineligible stock, eligible inventory, the lesser-of rule (volatility haircut, cost
advance, NOLV advance: docs/model.md section 5), less the concentration excess, the borrowing
base, less the loan, availability. Amounts are in the valuation's currency at t0; every
subtotal is the sum of the lines above it, so the certificate adds up to the cent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from finance.collateral.borrowing_base import LIMITS
from finance.collateral.eligibility import REASONS
from finance.locale import DEFAULT, catalog, check_lang
from finance.result import ValuationResult

#: Columns of the certificate (see :func:`borrowing_base_certificate`).
CERTIFICATE_COLUMNS: tuple[str, ...] = ("line", "kind", "lots", "amount")
#: Columns of the exported certificate (``borrowing_base.csv``, the Borrowing base sheet).
CERTIFICATE_EXPORT_COLUMNS: tuple[str, ...] = ("line", "item", "kind", "lots", "amount")

_EN_LINES = {
    "gross_inventory": "Gross inventory (market value)",
    "eligible_inventory": "Eligible inventory",
    "eligible_book_value": "Memo: eligible inventory at the lower of cost and NRV",
    "limit_haircut": "Lendable value where the volatility haircut binds",
    "limit_cost": "Lendable value where the cost advance binds",
    "limit_nolv": "Lendable value where the NOLV advance binds",
    "lendable_before_concentration": "Lendable value before the concentration limit",
    "concentration_excess": "Less: concentration excess",
    "borrowing_base": "Borrowing base",
    "loan": "Less: pledge loan",
    "availability": "Availability",
    "advance_rate": "Advance rate on eligible inventory",
}


def certificate_line(line: str, lang: str = DEFAULT) -> str:
    """The words of a certificate line (``gross_inventory``, ``ineligible_aged``...)."""
    if lang != DEFAULT:
        found = catalog(lang).get(f"certificate.{line}")
        if found:
            return found
    if line.startswith("ineligible_"):
        return "Less: ineligible, " + line.removeprefix("ineligible_").replace("_", " ")
    return _EN_LINES.get(line, line)


def certificate_table(result: ValuationResult, lang: str = DEFAULT) -> pd.DataFrame:
    """The certificate as exported: ``borrowing_base.csv`` and the Borrowing base sheet.

    One table for every place that offers it (the command line, the workbook, the app's
    Collateral and Export pages). Columns ``line`` (the stable key), ``item`` (its words in
    ``lang``), ``kind``, ``lots``, ``amount`` (currency, to the cent; the advance rate a
    fraction to six decimals); with ``lang="zh"`` the headers and kinds are in Chinese.
    """
    lang = check_lang(lang)
    table = borrowing_base_certificate(result)
    ratio = (table["kind"] == "ratio").to_numpy()
    amount = table["amount"].to_numpy(dtype=float)
    amount = np.where(ratio, np.round(amount, 6), np.round(amount, 2)) + 0.0
    out = pd.DataFrame(
        {
            "line": table["line"],
            "item": [certificate_line(line, lang) for line in table["line"]],
            "kind": table["kind"],
            "lots": table["lots"],
            "amount": amount,
        }
    )
    if lang == DEFAULT:
        return out
    words = catalog(lang)
    out["kind"] = out["kind"].map(lambda k: words.get(f"kind.{k}", k))
    out.columns = [words.get(f"certificate.col_{c}", c) for c in out.columns]
    return out


def borrowing_base_certificate(result: ValuationResult) -> pd.DataFrame:
    """Return the borrowing-base certificate of a valuation.

    Parameters
    ----------
    result : ValuationResult

    Returns
    -------
    pandas.DataFrame
        Columns ``line`` (a stable key: ``gross_inventory``, ``ineligible_<reason>``,
        ``eligible_inventory``, ``eligible_book_value``, ``limit_<haircut|cost|nolv>``,
        ``lendable_before_concentration``, ``concentration_excess``, ``borrowing_base``,
        ``loan``, ``availability``, ``advance_rate``), ``kind`` (``item``, ``less``,
        ``total``, ``memo`` or ``ratio``), ``lots`` (lots on the line, Int64, NA where
        lots do not apply) and ``amount``
        (currency; deductions negative; ``advance_rate`` is the borrowing base over the
        eligible inventory).
    """
    lots = result.lots
    eligible = lots["eligible"].to_numpy(bool)
    mv = lots["market_value"]
    rows: list[tuple[str, str, int | None, float]] = [
        ("gross_inventory", "item", len(lots), float(mv.sum()))
    ]
    for reason in REASONS:
        mask = lots["ineligible_reason"] == reason
        if mask.any():
            rows.append(
                (f"ineligible_{reason}", "less", int(mask.sum()), -float(mv[mask].sum()) + 0.0)
            )
    eligible_value = float(mv[eligible].sum())
    n_eligible = int(eligible.sum())
    rows.append(("eligible_inventory", "total", n_eligible, eligible_value))
    rows.append(
        (
            "eligible_book_value",
            "memo",
            n_eligible,
            float(lots["book_value"][eligible].sum()),
        )
    )
    before = lots["lendable_value"] + lots["concentration_excess"]
    for limit in LIMITS:
        mask = eligible & (lots["binding_limit"] == limit).to_numpy()
        rows.append((f"limit_{limit}", "item", int(mask.sum()), float(before[mask].sum())))
    rows.append(("lendable_before_concentration", "total", n_eligible, float(before.sum())))
    excess = lots["concentration_excess"]
    rows.append(
        ("concentration_excess", "less", int((excess > 0).sum()), -float(excess.sum()) + 0.0)
    )
    base = float(lots["lendable_value"].sum())
    rows.append(("borrowing_base", "total", n_eligible, base))
    loan = float(result.pledge_loan.loan)
    rows.append(("loan", "less", None, -loan + 0.0))
    rows.append(("availability", "total", None, base - loan))
    rows.append(
        (
            "advance_rate",
            "ratio",
            None,
            base / eligible_value if eligible_value > 0 else float("nan"),
        )
    )
    table = pd.DataFrame(rows, columns=list(CERTIFICATE_COLUMNS))
    table["lots"] = table["lots"].astype("Int64")
    return table
