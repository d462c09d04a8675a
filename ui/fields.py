"""The assumptions form: which keys the page shows, how, and how edits are kept.

Every widget edits one key of the user's assumptions document (the overrides of
``data/assumptions.toml``). The widgets set no ranges of their own: finance validates the
merged document and names every bad key, so a value finance accepts is never refused
here, and a bad one stays on the form to be corrected.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from finance import Assumptions
from finance.inputs.categories import CATEGORY_FIELDS, categories_frame, default_categories
from ui.i18n import lang
from ui.state import ASSUMPTIONS, assumptions_doc


@dataclass(frozen=True, slots=True)
class Field:
    """One assumption key on the form.

    ``kind`` is ``pct`` (a decimal shown in percent), ``num``, ``int``, ``money``,
    ``bool`` or ``date``.
    """

    section: str  # "" for a top-level key
    key: str
    kind: str

    @property
    def widget_key(self) -> str:
        """Session-state key of the field's widget."""
        return f"a.{self.section}.{self.key}" if self.section else f"a.{self.key}"

    @property
    def label_key(self) -> str:
        """Catalog key of the field's label."""
        return f"field.{self.section}.{self.key}" if self.section else f"field.{self.key}"


GENERAL = (
    Field("", "valuation_date", "date"),
    Field("", "cash_target", "money"),
    Field("", "max_loss_p95", "money"),
    Field("", "discount_rate", "pct"),
    Field("", "horizon_months", "int"),
    Field("", "scenarios", "int"),
    Field("", "seed", "int"),
)
LENDER = (
    Field("", "confidence", "pct"),
    Field("", "margin_period_days", "int"),
    Field("", "revaluation_days", "int"),
    Field("", "correlation", "pct"),
    Field("", "concentration_limit", "pct"),
    Field("", "nolv_advance", "pct"),
)
PLEDGE_LOAN = (
    Field("pledge_loan", "requested", "money"),
    Field("pledge_loan", "tenor_months", "int"),
    Field("pledge_loan", "interest_period_months", "int"),
    Field("pledge_loan", "rate", "pct"),
    Field("pledge_loan", "upfront_fee", "pct"),
    Field("pledge_loan", "monitoring_fee", "pct"),
    Field("pledge_loan", "warning_line", "num"),
    Field("pledge_loan", "top_up_line", "num"),
    Field("pledge_loan", "forced_sale_line", "num"),
    Field("pledge_loan", "borrower_pd", "pct"),
)
RECEIPT_TRUST = (
    Field("receipt_trust", "transfer_discount", "pct"),
    Field("receipt_trust", "subordinated_share", "pct"),
    Field("receipt_trust", "senior_coupon", "pct"),
    Field("receipt_trust", "tenor_months", "int"),
    Field("receipt_trust", "trustee_fee", "pct"),
    Field("receipt_trust", "upfront_fee", "pct"),
    Field("receipt_trust", "buyback", "bool"),
)
#: The company's trade terms on normal-course sales: they apply in every route.
TRADE = (
    Field("trade", "dso_days", "int"),
    Field("trade", "customer_pd", "pct"),
    Field("trade", "customer_lgd", "pct"),
)
ABS = (
    Field("abs", "pool_months", "int"),
    Field("abs", "credit_correlation", "pct"),
    Field("abs", "senior_target", "pct"),
    Field("abs", "mezzanine_target", "pct"),
    Field("abs", "senior_spread", "pct"),
    Field("abs", "mezzanine_spread", "pct"),
    Field("abs", "underwriting_fee", "pct"),
    Field("abs", "rating_fee", "money"),
    Field("abs", "legal_fee", "money"),
    Field("abs", "trustee_fee", "pct"),
    Field("abs", "max_fixed_cost_share", "pct"),
)


def current(a: Assumptions, f: Field) -> Any:
    """The field's value, in widget units: the user's (even if invalid), else ``a``'s."""
    doc = st.session_state.get(ASSUMPTIONS, {})
    table = doc.get(f.section, {}) if f.section else doc
    value = table.get(f.key) if isinstance(table, dict) else None
    usable = {
        "bool": lambda v: isinstance(v, bool),
        "date": lambda v: isinstance(v, dt.date),
    }.get(f.kind, lambda v: isinstance(v, int | float) and not isinstance(v, bool))
    if value is None or not usable(value):
        value = getattr(getattr(a, f.section) if f.section else a, f.key)
    return value * 100.0 if f.kind == "pct" else value


def _store(f: Field) -> None:
    value = st.session_state[f.widget_key]
    if f.kind == "pct":
        value = round(value / 100.0, 10)
    elif f.kind == "int":
        value = int(value)
    elif f.kind == "money":
        value = float(value)
    doc = assumptions_doc()
    if f.section:
        doc.setdefault(f.section, {})[f.key] = value
    else:
        doc[f.key] = value


def widget(f: Field, a: Assumptions, label: str, help: str | None = None) -> None:
    """Draw the field's widget; an edit is written to the assumptions document."""
    value = current(a, f)
    common: dict[str, Any] = {"key": f.widget_key, "on_change": _store, "args": (f,), "help": help}
    if f.kind == "bool":
        st.checkbox(label, value=bool(value), **common)
    elif f.kind == "date":
        st.date_input(
            label, value=value, min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31),
            **common,
        )  # fmt: skip
    elif f.kind == "int":
        st.number_input(label, value=int(value), step=1, **common)
    elif f.kind == "money":
        label = f"{label} ({a.currency})"
        st.number_input(label, value=float(value), step=100_000.0, format="%.0f", **common)
    else:
        st.number_input(
            f"{label} (%)" if f.kind == "pct" else label,
            value=float(value),
            step=0.1 if f.kind == "pct" else 0.05,
            format="%.3f" if f.kind == "pct" else "%.2f",
            **common,
        )


# ------------------------------------------------------------------ table editors
def table_editor(
    key: str, base_key: str, base: Callable[[], pd.DataFrame], columns: dict[str, Any]
) -> pd.DataFrame | None:
    """An editable table: the whole table as edited once the user touched it, else None.

    The editor's edits are relative to the frame it was first given, so that frame is kept
    (under ``base_key``) while the editor lives, and rebuilt from the assumptions in use
    when the editor is shown afresh (Streamlit drops a widget's state on other pages).
    """
    # Keyed by language too: the headers are translated, and an editor whose headers
    # change is a new editor (with no edits), so its base must be rebuilt with it.
    key, base_key = f"{key}.{lang()}", f"{base_key}.{lang()}"
    if key not in st.session_state or base_key not in st.session_state:
        st.session_state[base_key] = base()
    shown = st.session_state[base_key]
    edited = st.data_editor(
        shown, num_rows="dynamic", key=key, hide_index=True, column_config=columns
    )
    changes = st.session_state.get(key) or {}
    touched = any(changes.get(k) for k in ("edited_rows", "added_rows", "deleted_rows"))
    return edited if touched else None


def category_table(a: Assumptions) -> pd.DataFrame:
    """The category table as the editor shows it: one row per category."""
    return categories_frame(a.categories)


def category_overrides(edited: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The edited table's differences from the shipped categories, as TOML tables."""
    shipped = default_categories()
    overrides: dict[str, dict[str, Any]] = {}
    for _, row in edited.iterrows():
        name = row.get("category")
        if not isinstance(name, str) or not name.strip():
            continue
        name = name.strip()
        base = shipped.get(name)
        changes: dict[str, Any] = {}
        for key in CATEGORY_FIELDS:
            value = row.get(key)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            if key == "season_ends":
                value = [s.strip() for s in str(value).split(",") if s.strip()]
                same = base is not None and tuple(value) == base.season_ends
            elif isinstance(value, bool) or key in ("receipt_eligible",):
                value = bool(value)
                same = base is not None and value == getattr(base, key)
            elif key == "label_zh":
                value = str(value)
                same = base is not None and value == base.label_zh
            else:
                value = float(value)
                if value.is_integer() and key.endswith("_days"):
                    value = int(value)
                same = base is not None and math.isclose(value, getattr(base, key), abs_tol=1e-12)
            if not same:
                changes[key] = value
        if changes or base is None:
            overrides[name] = changes
    return overrides


def curve_table(a: Assumptions) -> pd.DataFrame:
    """The zero curve as the editor shows it: tenor and rate in percent."""
    return pd.DataFrame(
        {"tenor": [k for k, _ in a.curve], "rate_pct": [v * 100 for _, v in a.curve]}
    )


def curve_document(edited: pd.DataFrame) -> dict[str, float]:
    """The edited curve as a TOML table (rows without a tenor or a rate are dropped)."""
    curve: dict[str, float] = {}
    for tenor, rate in zip(edited["tenor"], edited["rate_pct"], strict=True):
        if isinstance(tenor, str) and tenor.strip() and rate is not None and not pd.isna(rate):
            curve[tenor.strip().upper()] = round(float(rate) / 100.0, 10)
    return curve
