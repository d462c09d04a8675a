"""Session-state keys, in one place, and their defaults.

Widgets lose their state when their page is not shown, so what must survive a change of
page (the uploaded inventory, the user's assumptions) lives under these keys instead.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

LANG = "lang"
#: The uploaded inventory as ``(name, bytes, digest)`` (``compute.as_upload``); None means
#: the shipped sample.
INVENTORY = "inventory"
#: The monthly sales history the Calibrate page reads, ``(name, bytes, digest)``; None: none
#: chosen yet.
HISTORY = "calibrate_history"
#: The user's assumptions document (overrides of data/assumptions.toml, TOML form).
ASSUMPTIONS = "assumptions_doc"
#: Problems of the last assumptions file the user tried to load.
ASSUMPTIONS_FILE_PROBLEMS = "assumptions_file_problems"
#: The last valid assumptions, to fill the form while the document has problems.
LAST_VALID = "assumptions_last_valid"
#: The borrower the session saves runs for and looks at on the History page.
BORROWER = "history_borrower"
#: The Book page's files, ``({name: bytes}, digest)`` (:mod:`ui.book`); None: none yet.
BOOK_FILES = "book_files"

# Widget keys, page by page.
LANG_PICKER = "lang_picker"
UPLOAD = "upload"
UPLOAD_SEEN = "upload_seen"
USE_SAMPLE = "use_sample"
#: Prefix of the mapping step's pickers (one per unknown category name) and its button.
MAPPING_PREFIX = "map."
APPLY_MAPPING = "apply_mapping"
ASSUMPTIONS_UPLOAD = "assumptions_upload"
ASSUMPTIONS_UPLOAD_SEEN = "assumptions_upload_seen"
ASSUMPTIONS_TAB = "assumptions_tab"
CATEGORY_EDITOR = "category_editor"
CATEGORY_BASE = "category_editor_base"
CURVE_EDITOR = "curve_editor"
CHANNEL_EDITOR = "channel_editor"
CHANNEL_BASE = "channel_editor_base"
CURVE_BASE = "curve_editor_base"
RESET = "reset_assumptions"
RISK_CATEGORY = "risk_category"
#: Whether the Risk page's demand-risk grid is open (it runs when opened).
RISK_GRID_OPEN = "risk_grid_open"
CASH_TARGET = "fin_cash_target"
MAX_LOSS = "fin_max_loss_p95"
#: The Financing page's structure tab shown (per language: the labels are translated).
DETAILS_TAB = "fin_details_tab"
#: Whether the Financing page's stress test is open (it runs when opened).
STRESS_OPEN = "fin_stress_open"
STRESS_RUN = "stress_run"
CALIBRATE_UPLOAD = "calibrate_upload"
CALIBRATE_UPLOAD_SEEN = "calibrate_upload_seen"
CALIBRATE_SAMPLE = "calibrate_sample"
CALIBRATE_APPLY = "calibrate_apply"
#: Categories whose estimates were last applied to the session's assumptions.
CALIBRATE_APPLIED = "calibrate_applied"
CALIBRATE_CATEGORY = "calibrate_category"
BORROWER_INPUT = "history_borrower_input"
SAVE_RUN = "history_save"
HISTORY_BORROWER_PICK = "history_borrower_pick"
ROLL_OPENING = "history_roll_opening"
ROLL_CLOSING = "history_roll_closing"
MEMO_RUN = "history_memo_run"
#: The History page's sign-off: the run picked, the comment, the last step's outcome.
SIGNOFF_RUN = "history_signoff_run"
SIGNOFF_COMMENT = "history_signoff_comment"
SIGNOFF_OUTCOME = "history_signoff_outcome"
BOOK_UPLOAD = "book_upload"
BOOK_UPLOAD_SEEN = "book_upload_seen"
BOOK_DEMO = "book_demo"
BOOK_FILTER = "book_filter"
BOOK_SHOW = "book_show"
BOOK_PICK = "book_pick"
BOOK_OPEN = "book_open"
#: The borrower the Book page last opened on the other pages (its success line).
BOOK_OPENED = "book_opened"


def init_state(default_lang: str) -> None:
    """Seed the session's state once, before any widget is created."""
    defaults: dict[str, Any] = {
        LANG: default_lang,
        INVENTORY: None,
        ASSUMPTIONS: {},
        BORROWER: "",
    }
    for key, value in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = value


def assumptions_doc() -> dict[str, Any]:
    """The user's assumption overrides (a TOML-shaped dict, edited in place)."""
    return st.session_state[ASSUMPTIONS]
