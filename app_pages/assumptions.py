"""Assumptions: the market, the lender's policy, each route's terms; load and save as TOML."""

import streamlit as st

from finance import InputError, load_assumptions
from finance.inputs.categories import CATEGORY_FIELDS
from finance.inputs.channels import load_channels
from finance.report.assumptions_toml import assumptions_document, assumptions_toml
from ui import compute, fields
from ui.i18n import label, lang, maybe, t
from ui.session import show_assumption_problems, show_problems
from ui.state import (
    ASSUMPTIONS,
    ASSUMPTIONS_FILE_PROBLEMS,
    ASSUMPTIONS_TAB,
    ASSUMPTIONS_UPLOAD,
    ASSUMPTIONS_UPLOAD_SEEN,
    CATEGORY_BASE,
    CATEGORY_EDITOR,
    CHANNEL_BASE,
    CHANNEL_EDITOR,
    CURVE_BASE,
    CURVE_EDITOR,
    INVENTORY,
    LAST_VALID,
    RESET,
    assumptions_doc,
)
from ui.uploader import file_uploader, newly_uploaded


def _reset() -> None:
    st.session_state[ASSUMPTIONS] = {}
    # The widgets keep their own values: forget them so they show the new assumptions.
    # The table editors' keys carry the language (``category_editor.en``).
    editors = (
        CATEGORY_BASE,
        CATEGORY_EDITOR,
        CHANNEL_BASE,
        CHANNEL_EDITOR,
        CURVE_BASE,
        CURVE_EDITOR,
    )
    stale = [
        k
        for k in st.session_state
        if str(k).startswith("a.") or str(k).partition(".")[0] in editors
    ]
    for key in (*stale, ASSUMPTIONS_FILE_PROBLEMS):
        st.session_state.pop(key, None)


def _load(upload: object) -> None:
    try:
        loaded = load_assumptions(upload.getvalue(), name=upload.name)
    except InputError as exc:
        st.session_state[ASSUMPTIONS_FILE_PROBLEMS] = exc.problems
        return
    _reset()
    st.session_state[ASSUMPTIONS] = assumptions_document(loaded)


st.title(t("assumptions.title"))
st.markdown(t("assumptions.intro"))

with st.expander(t("assumptions.file"), expanded=False):
    upload = file_uploader(t("assumptions.load"), key=ASSUMPTIONS_UPLOAD, types=("toml",), max_mb=1)
    if newly_uploaded(upload, ASSUMPTIONS_UPLOAD_SEEN):
        _load(upload)
    st.button(t("assumptions.reset"), key=RESET, on_click=_reset)

if (bad_file := st.session_state.get(ASSUMPTIONS_FILE_PROBLEMS)) is not None:
    show_problems(bad_file, t("problems.assumptions_file", n=len(bad_file)))

a, problems = compute.assumptions_from(assumptions_doc())
if a is None:
    # The form stays, showing what the user typed, so that the bad keys can be corrected;
    # the other fields show the last assumptions that were valid.
    show_assumption_problems(problems, t("problems.assumptions", n=len(problems)))
    st.button(t("assumptions.reset"), key="reset_after_problem", on_click=_reset)
    a = st.session_state.get(LAST_VALID) or compute.assumptions_from({})[0]
else:
    st.session_state[LAST_VALID] = a
    st.download_button(
        t("assumptions.save"),
        data=assumptions_toml(a),
        file_name="assumptions.toml",
        mime="application/toml",
        key="save_assumptions",
        on_click="ignore",
        icon=":material/save:",
    )


def _form(items: tuple[fields.Field, ...], columns: int = 3) -> None:
    cols = st.columns(columns)
    for i, f in enumerate(items):
        with cols[i % columns]:
            fields.widget(f, a, t(f.label_key), help=maybe(f"{f.label_key}_help"))


def _inventory_categories() -> list[str]:
    """The categories of the session's inventory, in table order (all, if it does not read)."""
    given, _ = compute.inputs_from(st.session_state.get(INVENTORY), a)
    if given is None:
        return list(a.categories)
    present = set(given.lots["category"])
    return [name for name in a.categories if name in present]


def _store_terms(edited: object) -> bool:
    """Write the edited channel terms into the assumptions, keeping the rows not shown.

    Returns whether the assumptions changed.
    """
    liquidate = assumptions_doc().setdefault("liquidate", {})
    earlier = liquidate.get("terms")
    shown = set(zip(edited["channel"], edited["category"], strict=True))
    # Terms for rows the editor does not show (a category not in this inventory) stay.
    kept = [
        entry
        for entry in (earlier if isinstance(earlier, list) else [])
        if not (isinstance(entry, dict) and (entry.get("channel"), entry.get("category")) in shown)
    ]
    terms = kept + fields.channel_terms(edited)
    if terms == earlier:
        return False
    liquidate["terms"] = terms
    return True


def _category_column(name: str) -> object:
    title = label("col", name)
    if name in fields.CATEGORY_PERCENT:
        return st.column_config.NumberColumn(f"{title} (%)", format="%.2f", min_value=0.0)
    if name == "receipt_eligible":
        return st.column_config.CheckboxColumn(title)
    if name == "aging_reserve":
        return st.column_config.TextColumn(f"{title} (%)")
    if name.endswith("_days"):
        return st.column_config.NumberColumn(title, format="%d", min_value=0, step=1)
    return st.column_config.Column(title)


general, lender, trade, curve, categories, loan, trust, abs_, clearance = st.tabs(
    [
        t(f"assumptions.tab.{name}")
        for name in (
            "general",
            "lender",
            "trade",
            "curve",
            "categories",
            "pledge_loan",
            "receipt_trust",
            "abs",
            "liquidate",
        )
    ],
    # Keyed (per language: the labels are the state), so that the tab being edited stays
    # open when a value turns invalid or valid again and a problem table comes or goes.
    key=f"{ASSUMPTIONS_TAB}.{lang()}",
    on_change="rerun",
)
with general:
    st.caption(t("assumptions.general_caption", currency=a.currency))
    _form(fields.GENERAL)
with lender:
    st.caption(t("assumptions.lender_caption"))
    _form(fields.LENDER)
with trade:
    st.caption(t("assumptions.trade_caption"))
    _form(fields.TRADE)
with curve:
    st.caption(t("assumptions.curve_caption"))
    edited_curve = fields.table_editor(
        CURVE_EDITOR,
        CURVE_BASE,
        lambda: fields.curve_table(a),
        {
            "tenor": st.column_config.TextColumn(t("assumptions.tenor"), required=True),
            "rate_pct": st.column_config.NumberColumn(
                t("assumptions.zero_rate"), format="%.3f%%", min_value=-5.0, max_value=50.0
            ),
        },
    )
    # Written whole, so that undoing an edit undoes it in the assumptions too.
    if edited_curve is not None:
        assumptions_doc()["curve"] = fields.curve_document(edited_curve)
with categories:
    st.caption(t("assumptions.categories_caption"))
    edited = fields.table_editor(
        CATEGORY_EDITOR,
        CATEGORY_BASE,
        lambda: fields.category_table(a),
        {
            "category": st.column_config.TextColumn(
                t("assumptions.category_key"), required=True, pinned=True
            ),
            "name": st.column_config.TextColumn(t("col.category"), disabled=True, pinned=True),
            **{name: _category_column(name) for name in CATEGORY_FIELDS},
        },
    )
    if edited is not None:
        assumptions_doc()["categories"] = fields.category_overrides(edited)
with loan:
    st.caption(t("assumptions.pledge_loan_caption"))
    _form(fields.PLEDGE_LOAN)
with trust:
    st.caption(t("assumptions.receipt_trust_caption"))
    _form(fields.RECEIPT_TRUST)
with abs_:
    st.caption(t("assumptions.abs_caption"))
    _form(fields.ABS)
with clearance:
    st.caption(t("assumptions.liquidate_caption"))
    channels = sorted(load_channels()["channel"].unique())

    def _store_channels() -> None:
        chosen = [c for c in channels if st.session_state.get(f"a.liquidate.channel.{c}")]
        assumptions_doc().setdefault("liquidate", {})["channels"] = chosen

    # One checkbox per channel: a box's state is a bool, whatever the language of its label
    # (a multiselect hands back the labels it showed, which change with the language).
    st.markdown(t("field.liquidate.channels"))
    for code in channels:
        st.checkbox(
            label("channel", code),
            value=code in a.liquidate.channels,
            key=f"a.liquidate.channel.{code}",
            on_change=_store_channels,
        )
    st.markdown(t("assumptions.channel_terms"))
    percent = {
        name: st.column_config.NumberColumn(f"{label('col', name)} (%)", format="%.2f")
        for name in fields.CHANNEL_PERCENT
    }
    edited_terms = fields.table_editor(
        CHANNEL_EDITOR,
        CHANNEL_BASE,
        lambda: fields.channel_terms_table(a, _inventory_categories()),
        {
            # The codes ride along hidden: the edits are stored by them, not by the labels.
            "channel": None,
            "category": None,
            "channel_name": st.column_config.TextColumn(
                label("col", "channel"), disabled=True, pinned=True
            ),
            "category_name": st.column_config.TextColumn(
                label("col", "category"), disabled=True, pinned=True
            ),
            **percent,
            "days_to_cash": st.column_config.NumberColumn(
                label("col", "days_to_cash"), format="%d", step=1
            ),
            "note": st.column_config.TextColumn(t("assumptions.channel_note"), disabled=True),
        },
        num_rows="fixed",
    )
    if edited_terms is not None and _store_terms(edited_terms):
        # Stored below the top of the page, which read the assumptions before: run it again,
        # so that a bad value's problem and the file saved show this edit at once.
        st.rerun()
    st.caption(t("assumptions.channel_terms_caption"))
