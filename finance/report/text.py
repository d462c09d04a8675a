"""The exports' words in a language: sheet names, column headers, Summary labels, values.

English keeps the documented names (the CONTRACT's column names, the sheet names) that
outside checks rely on; Chinese takes them from ``finance/locale/zh.toml``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from finance.locale import DEFAULT, catalog, check_lang, label

#: Columns whose values are option or route keys, shown by name in Chinese.
OPTION_VALUES = ("option", "route", "recommended_option")


def sheet_name(name: str, lang: str = DEFAULT) -> str:
    """The workbook sheet ``name`` (its English name) in ``lang``."""
    return label("sheet", name, lang) if lang != DEFAULT else name


def column_label(column: str, lang: str = DEFAULT) -> str:
    """A column header in ``lang``; English is the column name itself."""
    if lang == DEFAULT:
        return column
    return catalog(lang).get(f"col.{column}", column)


def localise_frame(
    frame: pd.DataFrame, lang: str = DEFAULT, names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """A copy with headers in ``lang`` and option, route and category keys shown by name.

    English returns ``frame`` unchanged.
    """
    lang = check_lang(lang)
    if lang == DEFAULT:
        return frame
    out = frame.copy()

    def translate(column: str, name: Callable[[Any], Any]) -> None:
        # Each distinct code is looked up once (a million lots hold a handful of codes).
        codes = out[column].astype(object)
        distinct = pd.unique(codes.to_numpy())
        out[column] = codes.map(dict(zip(distinct, (name(v) for v in distinct), strict=True)))

    for column in OPTION_VALUES:
        if column in out:
            translate(column, lambda v: label("option", v, lang) if v else v)
    if "category" in out:
        translate(
            "category", lambda v: label("category", v, lang, names) if isinstance(v, str) else v
        )
    if "ineligible_reason" in out:
        translate("ineligible_reason", lambda v: label("reason", v, lang) if v else v)
    if "binding_limit" in out:
        translate("binding_limit", lambda v: label("limit", v, lang) if v else v)
    yes, no = (catalog(lang).get(f"summary.{k}", k) for k in ("yes", "no"))
    for column in out.columns:
        if pd.api.types.is_bool_dtype(out[column]):
            out[column] = out[column].map({True: yes, False: no})
    # Two English columns may share one Chinese header (option and route): keep both apart.
    seen: dict[str, int] = {}
    labels = []
    for column in out.columns:
        text = column_label(str(column), lang)
        seen[text] = seen.get(text, 0) + 1
        labels.append(text if seen[text] == 1 else f"{text} ({column})")
    out.columns = labels
    return out
