"""The assumptions form: which keys the page shows, how, and how edits are kept.

Every widget edits one key of the user's assumptions document (the overrides of
``data/assumptions.toml``). The widgets set no ranges of their own: finance validates the
merged document and names every bad key, so a value finance accepts is never refused
here, and a bad one stays on the form to be corrected.
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from finance import Assumptions
from finance.inputs.assumptions import SECTIONS, TOP_LEVEL
from finance.inputs.categories import CATEGORY_FIELDS, categories_frame, default_categories
from finance.inputs.channels import (
    FALLBACK,
    TERM_FIELDS,
    TERM_RANGES,
    base_row,
    effective_channels,
    load_channels,
)
from ui.i18n import catalog, label, lang, t
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
    Field("", "price_demand_correlation", "pct"),
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
    Field("", "alert_change", "pct"),
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
            # %g: 40 shows as 40, 0.1 as 0.1 (a percentage needs no fixed decimals)
            format="%g" if f.kind == "pct" else "%.2f",
            **common,
        )


# ------------------------------------------------------------------ table editors
def table_editor(
    key: str,
    base_key: str,
    base: Callable[[], pd.DataFrame],
    columns: dict[str, Any],
    *,
    num_rows: str = "dynamic",
) -> pd.DataFrame | None:
    """An editable table: the whole table as edited once the user touched it, else None.

    The editor's edits are relative to the frame it was first given, so that frame is kept
    (under ``base_key``) while the editor lives, and rebuilt from the assumptions in use
    when the editor is shown afresh (Streamlit drops a widget's state on other pages).
    ``num_rows="fixed"`` lets the user change cells only, not add or delete rows.
    """
    # Keyed by language too: the headers are translated, and an editor whose headers
    # change is a new editor (with no edits), so its base must be rebuilt with it.
    key, base_key = f"{key}.{lang()}", f"{base_key}.{lang()}"
    if key not in st.session_state or base_key not in st.session_state:
        st.session_state[base_key] = base()
    shown = st.session_state[base_key]
    edited = st.data_editor(
        shown, num_rows=num_rows, key=key, hide_index=True, column_config=columns
    )
    changes = st.session_state.get(key) or {}
    touched = any(changes.get(k) for k in ("edited_rows", "added_rows", "deleted_rows"))
    return edited if touched else None


#: Category fields that are rates or shares: the editor shows them in percent, like the form.
CATEGORY_PERCENT = (
    "sigma",
    "erosion",
    "markdown",
    "salvage",
    "selling_cost",
    "orderly_discount",
    "forced_discount",
    "storage_cost",
    "cost_advance",
    "demand_sigma",
)


def category_table(a: Assumptions) -> pd.DataFrame:
    """The category table as the editor shows it: one row per category, rates in percent.

    ``name`` is the category's name in the session's language (not edited: the key is the
    category, ``label_zh`` its Chinese name).
    """
    frame = categories_frame(a.categories)
    for column in CATEGORY_PERCENT:
        frame[column] = (frame[column].astype(float) * 100.0).round(8)
    frame["aging_reserve"] = [
        ", ".join(f"{v * 100:g}" for v in a.categories[k].aging_reserve) for k in frame["category"]
    ]
    frame.insert(1, "name", [label("category", k) for k in frame["category"]])
    return frame


def _percent_list(text: str) -> list[Any]:
    """``"0, 5, 20"`` (percent) as fractions.

    A part that is no number is kept as text, so that the category check names the field
    instead of the editor failing.
    """
    values: list[Any] = []
    for part in (p.strip().rstrip("%") for p in text.replace("，", ",").split(",")):
        if not part:
            continue
        try:
            values.append(round(float(part) / 100.0, 10))
        except ValueError:
            values.append(part)
    return values


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
            elif key == "aging_reserve":
                value = _percent_list(str(value))
                same = base is not None and value == list(base.aging_reserve)
            elif isinstance(value, bool) or key in ("receipt_eligible",):
                value = bool(value)
                same = base is not None and value == getattr(base, key)
            elif key == "label_zh":
                value = str(value)
                same = base is not None and value == base.label_zh
            else:
                value = float(value)
                if key in CATEGORY_PERCENT:
                    value = round(value / 100.0, 10)
                if value.is_integer() and key.endswith("_days"):
                    value = int(value)
                same = base is not None and math.isclose(value, getattr(base, key), abs_tol=1e-12)
            if not same:
                changes[key] = value
        if changes or base is None:
            overrides[name] = changes
    return overrides


#: Channel terms that are fractions: the editor shows them in percent, like the form.
CHANNEL_PERCENT = ("discount", "fee", "capacity")


def channel_note(channel: str, category: str, note: str) -> str:
    """A channel row's note in the session's language.

    English is the table's own note. Chinese comes from the catalog, by the row, else by
    the channel's generic row (a row the terms added carries generic's note), else none:
    a Chinese session shows no English.
    """
    if lang() == "en":
        return note
    found = catalog(lang())
    for name in (category, FALLBACK):
        if (text := found.get(f"channel_note.{channel}.{name}")) is not None:
            return text
    return ""


def channel_terms_table(a: Assumptions, categories: Iterable[str]) -> pd.DataFrame:
    """The channel terms that apply to ``categories``, as the editor shows them.

    One row per channel and category the channel serves, the assumptions' terms applied:
    a category with rows of its own shows them; one the table does not name shows the
    ``generic`` rows it uses (once for all such categories). Fractions in percent.
    ``channel`` and ``category`` are the codes (hidden in the editor); ``channel_name``
    and ``category_name`` what the session shows.
    """
    table = effective_channels(a.liquidate.terms)
    named = set(table["category"])
    wanted = list(dict.fromkeys(c if c in named else FALLBACK for c in categories))
    rank = {name: i for i, name in enumerate(wanted)}
    rows = table[table["category"].isin(wanted)].copy()
    # The checkbox list's order (by code), then the inventory's categories in table order.
    rows = rows.assign(_rank=rows["category"].map(rank)).sort_values(["channel", "_rank"])
    frame = pd.DataFrame(
        {
            "channel": rows["channel"].to_numpy(),
            "category": rows["category"].to_numpy(),
            "channel_name": [label("channel", c) for c in rows["channel"]],
            "category_name": [label("category", c) for c in rows["category"]],
            **{c: (rows[c].astype(float) * 100.0).round(8).to_numpy() for c in CHANNEL_PERCENT},
            "days_to_cash": rows["days_to_cash"].astype("int64").to_numpy(),
            "note": [
                channel_note(ch, cat, note)
                for ch, cat, note in zip(
                    rows["channel"], rows["category"], rows["note"], strict=True
                )
            ],
        }
    )
    return frame


def channel_terms(edited: pd.DataFrame) -> list[dict[str, Any]]:
    """The edited rows' differences from the shipped table, as ``[[liquidate.terms]]``.

    A row keeps the terms that differ from the shipped row it stands for (for a row the
    shipped table lacks, the channel's generic row); a row that differs in nothing is
    left out, so putting the shipped figure back drops the entry. An emptied cell keeps
    the shipped figure.
    """
    shipped = load_channels()
    terms: list[dict[str, Any]] = []
    for _, row in edited.iterrows():
        base = base_row(shipped, row["channel"], row["category"])
        changes: dict[str, Any] = {}
        for name in TERM_FIELDS:
            value = row.get(name)
            if value is None or pd.isna(value):
                continue
            value = float(value)
            if name in CHANNEL_PERCENT:
                value = round(value / 100.0, 10)
            elif value.is_integer():
                value = int(value)
            if base is None or not math.isclose(value, float(base[name]), abs_tol=1e-12):
                changes[name] = value
        if changes:
            terms.append({"channel": row["channel"], "category": row["category"], **changes})
    return terms


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


# ------------------------------------------------------------------ problems in form units
#: Every field of the form by its dotted key (``pledge_loan.rate``).
BY_KEY: dict[str, Field] = {
    (f"{f.section}.{f.key}" if f.section else f.key): f
    for f in (*GENERAL, *LENDER, *PLEDGE_LOAN, *RECEIPT_TRUST, *TRADE, *ABS)
}


def _bounds(key: str) -> dict[str, Any] | None:
    """The range finance checks a key against: lo, hi, lo_open, hi_open (None: no range)."""
    section, _, name = key.rpartition(".")
    check = (SECTIONS.get(section, {}) if section else TOP_LEVEL).get(name)
    if check is None:
        return None
    try:
        found = inspect.getclosurevars(check).nonlocals
    except TypeError:
        return None
    if not {"lo", "hi", "lo_open", "hi_open"} <= found.keys():
        return None
    return {k: found[k] for k in ("lo", "hi", "lo_open", "hi_open")}


def _percent(value: float) -> str:
    return f"{round(value * 100.0, 8):g}%"


#: A channel term's key: ``liquidate.terms[N].field``, entries counted from 1.
TERM_KEY = re.compile(r"liquidate\.terms\[(\d+)\]\.(\w+)")


def _term(key: str, doc: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    """The ``[[liquidate.terms]]`` entry and field a problem's key names, if it is one."""
    found = TERM_KEY.fullmatch(key)
    liquidate = doc.get("liquidate")
    terms = liquidate.get("terms") if isinstance(liquidate, dict) else None
    if found is None or not isinstance(terms, list):
        return None
    number, name = int(found.group(1)), found.group(2)
    if not 1 <= number <= len(terms) or not isinstance(terms[number - 1], dict):
        return None
    return terms[number - 1], name


def _term_label(entry: dict[str, Any], name: str) -> str:
    return t(
        "assumptions.term_field",
        channel=label("channel", str(entry.get("channel"))),
        category=label("category", str(entry.get("category"))),
        field=label("col", name),
    )


def _term_message(entry: dict[str, Any], name: str, message: str) -> str:
    """A channel term's problem as the editor's cells show the value: percent or days."""
    value = entry.get(name)
    if name not in TERM_RANGES or isinstance(value, bool) or not isinstance(value, int | float):
        return message
    if not math.isfinite(value):
        return message
    lo, hi = TERM_RANGES[name]
    field = _term_label(entry, name)
    if name in CHANNEL_PERCENT:
        return t(
            "problems.pct_range",
            field=field,
            value=_percent(value),
            lo=_percent(lo),
            hi=_percent(hi),
            excluded="",
        )
    if not float(value).is_integer():
        return t("problems.whole_days", field=field, value=f"{value:g}")
    return t("problems.range", field=field, value=f"{value:g}", lo=f"{lo:g}", hi=f"{hi:g}")


def _in_form_units(key: str, message: str, doc: dict[str, Any]) -> str:
    """A problem with a percent field, said in percent; any other problem as finance says it."""
    if (term := _term(key, doc)) is not None:
        return _term_message(*term, message)
    f = BY_KEY.get(key)
    if f is None or f.kind != "pct":
        return message
    table = doc.get(f.section, {}) if f.section else doc
    value = table.get(f.key) if isinstance(table, dict) else None
    bounds = _bounds(key)
    if bounds is None or isinstance(value, bool) or not isinstance(value, int | float):
        return message
    if not math.isfinite(value):
        return message
    lo, hi = _percent(bounds["lo"]), _percent(bounds["hi"])
    excluded = {
        (True, True): "problems.both_excluded",
        (True, False): "problems.lo_excluded",
        (False, True): "problems.hi_excluded",
    }.get((bounds["lo_open"], bounds["hi_open"]))
    return t(
        "problems.pct_range",
        field=t(f.label_key),
        value=_percent(value),
        lo=lo,
        hi=hi,
        excluded=t(excluded, lo=lo, hi=hi) if excluded else "",
    )


def assumption_problems(problems: pd.DataFrame, doc: dict[str, Any]) -> pd.DataFrame:
    """The assumptions' problems as the form shows them: the field's label and its unit.

    The session's assumptions have no file and no rows: the table names the field (by
    its label on the form, with the key for the file) and says what is wrong in the
    field's own unit (40% for a percent field, not 0.4).
    """
    keys = problems["column"].fillna("").astype(str)

    def field_name(key: str) -> str:
        if (term := _term(key, doc)) is not None:
            return f"{_term_label(*term)} ({key})"
        f = BY_KEY.get(key)
        return f"{t(f.label_key)} ({key})" if f is not None else key

    return pd.DataFrame(
        {
            "column": [field_name(k) for k in keys],
            "message": [
                _in_form_units(k, m, doc) for k, m in zip(keys, problems["message"], strict=True)
            ],
        }
    )
