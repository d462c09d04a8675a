"""Numbers for people: money with the currency and thousands separators, rates as percent.

Tables keep their numbers as numbers (so they sort and export as numbers); only their
display is formatted, through Streamlit column configs built here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import pandas as pd
import streamlit as st

from finance.report.excel import MONEY, PERCENT
from ui.i18n import label, lang

#: Columns shown as whole numbers or counts.
COUNTS = {"lots", "quantity", "days", "age_days", "days_to_expiry", "liquidation_days",
          "horizon_days", "margin_period_days", "orderly_days", "forced_days", "shelf_life_days",
          "aging_limit_days", "row", "month", "days_to_cash"}  # fmt: skip
EXTRA_MONEY = {"cost_value", "lendable_before_concentration", "expected_value", "erosion_loss",
               "markdown_loss", "expiry_loss", "aging_loss", "loss", "amount"}  # fmt: skip
EXTRA_PERCENT = {"rate", "coverage_pct", "share_of_market_value"}
#: Money in tables: thousands separators, the cent, a leading minus (the workbook's
#: ``#,##0.00``; Streamlit's "accounting" would show a loss in parentheses instead).
MONEY_FORMAT = "%,.2f"
#: Key columns kept in view while a wide table scrolls sideways: what names the row (a
#: lot, a route, a stress, a payment date, a trigger line, a tranche).
PINNED = {"sku", "batch", "option", "stress", "date", "line", "tranche"}


# Characters that format text inside a line (emphasis, code, links, LaTeX, HTML-like tags).
_MARKDOWN = re.compile(r"([\\`*_\[\]<>$~|#])")


def plain(text: str) -> str:
    """User text (a file name) escaped so that Markdown shows it as it is."""
    return _MARKDOWN.sub(r"\\\1", text)


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def money(value: float, currency: str) -> str:
    """``CNY -1,234,567`` in sentences: whole units, a leading minus, as in every table."""
    if _missing(value):
        return "–"
    return f"{currency} {value:,.0f}"


#: The one unit of headline amounts per language: millions in English; 万 in Chinese, the
#: unit of Chinese financial statements (金额单位：万元), so that figures side by side are
#: never a mix of 亿 and 万.
HEADLINE_UNIT = {"en": (1e6, "m"), "zh": (1e4, "万")}


def money_short(value: float, currency: str) -> str:
    """A headline amount in the language's one unit: ``CNY 136.76m``, ``CNY 13,676.19万``."""
    if _missing(value):
        return "–"
    scale, unit = HEADLINE_UNIT.get(lang(), HEADLINE_UNIT["en"])
    return f"{currency} {value / scale:,.2f}{unit}"


def money_metric(
    where: object, title: str, value: float, currency: str, help: str | None = None
) -> None:
    """A headline amount in ``where`` (a column): short form, the exact amount on hover.

    The currency goes in the title so that the figure fits a narrow column.
    """
    exact = money(value, currency)
    short = money_short(value, currency).removeprefix(f"{currency} ")
    where.metric(f"{title} ({currency})", short, help=f"{exact}. {help}" if help else exact)


def pct(value: float, digits: int = 2) -> str:
    """``12.34%``; a dash for a missing value."""
    if _missing(value):
        return "–"
    return f"{value:.{digits}%}"


def column_config(columns: Iterable[str], currency: str) -> dict[str, object]:
    """Streamlit column configs: translated headers, money and percent formats."""
    config: dict[str, object] = {}
    for name in columns:
        title = label("col", name)
        if name in MONEY or name in EXTRA_MONEY:
            config[name] = st.column_config.NumberColumn(
                f"{title} ({currency})", format=MONEY_FORMAT
            )
        elif name in PERCENT or name in EXTRA_PERCENT:
            config[name] = st.column_config.NumberColumn(title, format="percent")
        elif name in COUNTS:
            config[name] = st.column_config.NumberColumn(title, format="localized")
        else:
            config[name] = st.column_config.Column(title, pinned=name in PINNED or None)
    return config


def translate_codes(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Replace codes (option names, reasons, limits) by their display names.

    ``columns`` maps a column to its catalog group, e.g. ``{"option": "option"}``.
    """
    out = frame.copy()
    for column, group in columns.items():
        if column in out:
            out[column] = out[column].map(lambda code, g=group: label(g, str(code)) if code else "")
    return out


def table(
    frame: pd.DataFrame, currency: str, *, height: int | str = "auto", **kwargs: object
) -> None:
    """Show a DataFrame with translated headers and formatted numbers."""
    st.dataframe(
        frame,
        column_config=column_config(frame.columns, currency),
        hide_index=True,
        height=height,
        placeholder="–",
        **kwargs,
    )
