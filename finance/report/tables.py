"""The exported tables: one set of frames, written as CSV or as Parquet.

Every export format writes the same tables with the same columns: ``lots``, ``options``,
``mix``, ``borrowing_base`` (the certificate) and, given a stress test, ``stress`` and
``sensitivity``. Money is rounded to the cent and every other figure (rates, shares,
probabilities) to six decimals, so that a cell reads 136761919.29, not 136761919.28666002;
with ``lang="zh"`` the headers, the options' notes and the route names are in Chinese.
The encodings (:mod:`finance.report.csv`, :mod:`finance.report.parquet`) only write them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from finance.locale import DEFAULT, check_lang

if TYPE_CHECKING:
    from finance.analysis.stress import StressResult
    from finance.result import ValuationResult

#: Decimals of money (to the cent) and of every other non-integer figure in an export.
MONEY_DECIMALS = 2
OTHER_DECIMALS = 6

#: The tables of a run, in the order they are written (the stress tables only with one).
TABLES: tuple[str, ...] = ("lots", "options", "mix", "borrowing_base")
STRESS_TABLES: tuple[str, ...] = ("stress", "sensitivity")


def rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with money to the cent and other floats to six decimals (NaN stays NaN)."""
    from finance.report.excel import MONEY

    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            places = MONEY_DECIMALS if column in MONEY else OTHER_DECIMALS
            # + 0.0 turns -0.0 (a tiny negative rounded away) into 0.0.
            out[column] = np.round(out[column].to_numpy(dtype=float), places) + 0.0
    return out


def export_table(result: ValuationResult, table: str, lang: str = DEFAULT) -> pd.DataFrame:
    """One of the exported tables, rounded, in ``lang``.

    Parameters
    ----------
    result : ValuationResult
    table : str
        ``lots``, ``options``, ``mix`` or ``borrowing_base`` (the certificate).
    lang : str
        ``en`` (the documented column names) or ``zh``.
    """
    from finance.report.certificate import certificate_table
    from finance.report.text import localise_frame

    lang = check_lang(lang)
    if table == "borrowing_base":
        return certificate_table(result, lang)
    frame = {"lots": result.lots, "options": result.options, "mix": result.mix}[table]
    frame = rounded(frame)
    if table == "options" and lang != DEFAULT:
        frame["notes"] = result.option_notes(lang)
    return localise_frame(frame, lang, result.category_labels(lang))


def export_tables(
    result: ValuationResult, lang: str = DEFAULT, stress: StressResult | None = None
) -> dict[str, pd.DataFrame]:
    """Every exported table by name (:data:`TABLES`, then :data:`STRESS_TABLES` with a stress).

    Parameters
    ----------
    result : ValuationResult
    lang : str
        ``en`` or ``zh``: the headers and the words in the cells.
    stress : StressResult, optional
        Adds ``stress`` (each route's figures under each stress) and ``sensitivity``.

    Returns
    -------
    dict of str to DataFrame
        The same frames, whichever format writes them.
    """
    from finance.report.text import localise_frame

    tables = {name: export_table(result, name, lang) for name in TABLES}
    if stress is not None:
        tables["stress"] = localise_frame(rounded(stress.comparison), lang)
        tables["sensitivity"] = localise_frame(rounded(stress.sensitivity), lang)
    return tables
