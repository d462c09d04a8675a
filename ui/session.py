"""What every result page starts from: this session's inputs and their valuation.

Pages call :func:`inputs` and :func:`result`; when the inputs have problems, these show
them (a table of file, row, column and message, never a traceback) and stop the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import streamlit as st

from finance import Assumptions, InputError, ValuationResult
from finance.analysis.stress import StressResult
from ui import compute, fields
from ui.compute import Inputs, Problems
from ui.formatting import plain
from ui.i18n import CATEGORY_NAMES, lang, t
from ui.state import INVENTORY, assumptions_doc

#: Most problems shown in a table that wraps its text (every message read whole); more
#: go to a scrolling grid, where a long message is cut at the column's edge.
WRAPPED_PROBLEMS = 200


def _problem_table(shown: pd.DataFrame) -> None:
    """The problems, the first column (the file, or the field) as the rows' headers."""
    if len(shown) <= WRAPPED_PROBLEMS:
        st.table(shown.set_index(shown.columns[0]))
    else:
        message = shown.columns[-1]
        st.dataframe(
            shown,
            hide_index=True,
            column_config={message: st.column_config.Column(width="large")},
        )


def show_problems(problems: Problems, headline: str) -> None:
    """An error line and the table of every problem (row numbers as a spreadsheet shows).

    The messages are said in the session's language, each with the file's own header.
    """
    st.error(headline)
    shown = (
        InputError(problems)
        .to_frame(lang())
        .rename(columns={c: t(f"problems.{c}") for c in ("file", "row", "column", "message")})
    )
    _problem_table(shown)


def show_assumption_problems(problems: Problems, headline: str) -> None:
    """The session's assumptions' problems: the field's label and the field's unit.

    (A loaded file's problems keep their file and row: :func:`show_problems`.)
    """
    st.error(headline)
    frame = InputError(problems).to_frame(lang())
    shown = fields.assumption_problems(frame, assumptions_doc()).rename(
        columns={"column": t("problems.field"), "message": t("problems.message")}
    )
    _problem_table(shown)


def assumptions() -> Assumptions:
    """The session's assumptions; shows the problems and stops the page when invalid."""
    a, problems = compute.assumptions_from(assumptions_doc())
    if a is None:
        show_assumption_problems(problems, t("problems.assumptions", n=len(problems)))
        st.page_link("app_pages/assumptions.py", label=t("problems.fix_assumptions"))
        st.stop()
    st.session_state[CATEGORY_NAMES] = {k: c.label_zh for k, c in a.categories.items()}
    return a


def inputs(
    *,
    link_to_inventory: bool = True,
    on_problems: Callable[[tuple[str, bytes, str], Assumptions], None] | None = None,
) -> Inputs:
    """The session's inventory and assumptions; shows the problems and stops when invalid.

    ``link_to_inventory`` adds a link to the Inventory page under the problems (not on that
    page itself); ``on_problems`` is called with the upload and the assumptions under the
    problems of an upload, before the page stops (the Inventory page's mapping step).
    """
    upload = st.session_state.get(INVENTORY)
    a = assumptions()
    given, problems = compute.inputs_from(upload, a)
    if given is None:
        source = upload[0] if upload else compute.SAMPLE_FILE.name
        if upload is not None and on_problems is not None:
            on_problems(upload, a)
        show_problems(problems, t("problems.inventory", n=len(problems), file=plain(source)))
        if link_to_inventory:
            st.page_link("app_pages/inventory.py", label=t("problems.fix_inventory"))
        st.stop()
    return given


def result(given: Inputs) -> ValuationResult:
    """The valuation of the inputs (cached); shows the problems and stops when it fails."""
    value, problems = compute.valuation(given)
    if value is None:
        # The file read cleanly but a lot contradicts the assumptions (received after the
        # valuation date, ...): either may need the fix.
        show_problems(problems, t("problems.valuation", n=len(problems), file=plain(given.source)))
        st.page_link("app_pages/assumptions.py", label=t("problems.fix_assumptions"))
        st.page_link("app_pages/inventory.py", label=t("problems.fix_inventory"))
        st.stop()
    return value


def stress(given: Inputs, base: ValuationResult) -> StressResult:
    """The stress test of the inputs (cached)."""
    return compute.stress(given, base)


def valuation_date_badge(a: Assumptions) -> None:
    """The valuation date, in the sidebar of every page: today's unless the assumptions name one."""
    named = "valuation_date" in assumptions_doc() or a.valuation_date != dt.date.today()
    key = "source.date" if named else "source.date_today"
    st.sidebar.badge(
        t(key, date=a.valuation_date.isoformat()), icon=":material/event:", color="blue"
    )


def source_caption(given: Inputs) -> None:
    """The valuation date, then one line naming the inventory the page shows."""
    valuation_date_badge(given.assumptions)
    what = t("source.sample") if given.is_sample else t("source.upload", file=plain(given.source))
    st.caption(
        t(
            "source.caption",
            source=what,
            lots=f"{len(given.lots):,}",
            date=given.assumptions.valuation_date.isoformat(),
        )
    )
