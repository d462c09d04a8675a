"""Session state across reruns, pages and languages: uploads, the form, the editors."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from streamlit_app.support import SAMPLE_TEXT, sample_rows
from ui.state import (
    ASSUMPTIONS,
    ASSUMPTIONS_UPLOAD,
    CATEGORY_EDITOR,
    INVENTORY,
    LANG_PICKER,
    UPLOAD,
    USE_SAMPLE,
)

CHANNELS = ["supplier_return", "outlet", "livestream", "lower_tier"]


def test_use_sample_works_while_the_file_is_still_in_the_uploader(open_page):
    at = open_page("inventory")
    at.file_uploader(key=UPLOAD).set_value(("part.csv", sample_rows(60), "text/csv")).run()
    assert at.session_state[INVENTORY][0] == "part.csv"
    at.button(key=USE_SAMPLE).click().run()  # same page: the uploader still holds part.csv
    assert not at.exception
    assert at.session_state[INVENTORY] is None
    assert "240 lots read" in at.success[0].value


@pytest.mark.parametrize(
    "toml",
    [
        b"scenarios = 500000\n",
        b"seed = 4294967296\n",
        b"discount_rate = -0.06\n",
        b"[abs]\ndso_days = 0\n",
        b"confidence = 0.5005\n",
    ],
    ids=["scenarios", "seed", "discount_rate", "dso_days", "confidence"],
)
def test_a_valid_assumptions_file_does_not_crash_the_form(open_page, toml):
    at = open_page("assumptions")
    at.file_uploader(key=ASSUMPTIONS_UPLOAD).set_value(
        ("mine.toml", toml, "application/toml")
    ).run()
    assert not at.error  # finance accepted the file
    assert not at.exception, [e.message for e in at.exception]


def test_switching_language_on_the_assumptions_page_keeps_the_channels(open_page):
    at = open_page("assumptions")
    at.selectbox(key=LANG_PICKER).set_value("zh").run()
    at.run()  # any further interaction
    assert not at.error, [e.value for e in at.error]
    channels = at.session_state[ASSUMPTIONS].get("liquidate", {}).get("channels", CHANNELS)
    assert channels == CHANNELS


def _shown(frame: pd.DataFrame, state: dict) -> pd.DataFrame:
    """What the browser shows: the editor's data with its edits applied."""
    out = frame.copy()
    for row, changes in (state or {}).get("edited_rows", {}).items():
        for column, value in changes.items():
            out.loc[int(row), column] = value
    return out


def test_category_edits_stay_visible_after_a_language_switch(open_page):
    at = open_page("assumptions")
    at.session_state[f"{CATEGORY_EDITOR}.en"] = {
        "edited_rows": {0: {"sigma": 50.0}},  # in percent, like the form
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert at.session_state[ASSUMPTIONS]["categories"] == {"apparel": {"sigma": 0.5}}
    at.selectbox(key=LANG_PICKER).set_value("zh").run()
    assert not at.exception
    editor = next(e for e in at.dataframe if "sigma" in e.value.columns)
    shown = _shown(editor.value, at.session_state.get(f"{CATEGORY_EDITOR}.zh"))
    in_use = at.session_state[ASSUMPTIONS]["categories"]["apparel"]["sigma"]
    assert shown.loc[shown["category"] == "apparel", "sigma"].item() == in_use * 100
    # The names are the session's language's.
    assert shown.loc[shown["category"] == "apparel", "name"].item() == "服装"


def test_one_bad_field_leaves_the_form_editable(open_page):
    at = open_page("assumptions")
    at.number_input(key="a.confidence").set_value(95.0).run()
    at.number_input(key="a.pledge_loan.top_up_line").set_value(1.4).run()
    assert at.error  # the contradiction is named
    shown = {w.key: w.value for w in at.number_input}
    assert shown.get("a.pledge_loan.top_up_line") == pytest.approx(1.4)  # fixable in place
    assert at.session_state[ASSUMPTIONS]["confidence"] == 0.95


def test_a_user_category_shows_its_chinese_name(open_page):
    frame = pd.read_csv(io.StringIO(SAMPLE_TEXT), dtype=str, keep_default_na=False).head(6)
    frame.loc[0:2, "category"] = "bicycles"
    at = open_page(
        "inventory",
        lang="zh",
        doc={"categories": {"bicycles": {"sigma": 0.3, "label_zh": "自行车"}}},
    )
    at.file_uploader(key=UPLOAD).set_value(
        ("bikes.csv", frame.to_csv(index=False).encode("utf-8"), "text/csv")
    ).run()
    at.switch_page("app_pages/collateral.py").run()
    assert not at.exception
    lots = at.dataframe[-1].value
    assert "自行车" in set(lots["category"])
