"""The ui package: catalogs complete, formats right, form edits turned into TOML tables."""

from __future__ import annotations

import re
import string
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from finance import load_assumptions, parse_assumptions
from finance.inputs.channels import load_channels
from ui import fields
from ui.formatting import column_config, money, money_short, pct
from ui.i18n import LANGUAGES, catalog, language_of

ROOT = Path(__file__).resolve().parents[2]
UI_FILES = [
    ROOT / "app.py",
    *sorted((ROOT / "app_pages").glob("*.py")),
    *sorted((ROOT / "ui").glob("*.py")),
]


def placeholders(text: str) -> list[str]:
    return sorted(f for _, f, _, _ in string.Formatter().parse(text) if f)


def test_catalogs_have_the_same_keys_and_placeholders():
    en, zh = catalog("en"), catalog("zh")
    assert en.keys() == zh.keys()
    assert [k for k in en if placeholders(en[k]) != placeholders(zh[k])] == []


def test_every_literal_key_the_code_uses_exists():
    used = set()
    for path in UI_FILES:
        used |= set(re.findall(r'\bt\(\s*"([a-z_.0-9]+)"', path.read_text(encoding="utf-8")))
    assert used, "no keys found: the pattern is wrong"
    assert sorted(used - catalog("en").keys()) == []


def test_every_form_field_has_a_label_in_both_languages():
    for f in (
        *fields.GENERAL,
        *fields.LENDER,
        *fields.TRADE,
        *fields.PLEDGE_LOAN,
        *fields.RECEIPT_TRUST,
        *fields.ABS,
    ):
        for lang in LANGUAGES:
            assert f.label_key in catalog(lang), (lang, f.label_key)


def test_chinese_catalog_is_chinese():
    zh = catalog("zh")
    assert all(re.search(r"[\u4e00-\u9fff]", zh[k]) for k in zh if k.startswith("nav."))


@pytest.mark.parametrize(
    ("locale", "lang"),
    [
        ("zh-CN", "zh"),
        ("zh-TW", "zh"),
        ("zh", "zh"),
        ("en-US", "en"),
        ("de-DE", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
def test_language_from_the_browser_locale(locale, lang):
    assert language_of(locale) == lang


@pytest.mark.parametrize(
    ("value", "en", "zh"),
    [
        (136_761_919.29, "CNY 136.76m", "CNY 13,676.19万"),
        (50_220_040.7, "CNY 50.22m", "CNY 5,022.00万"),
        (12_345.0, "CNY 0.01m", "CNY 1.23万"),
        (999.4, "CNY 0.00m", "CNY 0.10万"),
        (-14_636_605.4, "CNY -14.64m", "CNY -1,463.66万"),
        (2.5e9, "CNY 2,500.00m", "CNY 250,000.00万"),
    ],
)
def test_short_money(monkeypatch, value, en, zh):
    # One unit per language, so that headline figures side by side are never mixed.
    for lang, expected in (("en", en), ("zh", zh)):
        monkeypatch.setattr("ui.formatting.lang", lambda lang=lang: lang)
        assert money_short(value, "CNY") == expected


def test_money_and_percent():
    assert money(1_234_567.5, "CNY") == "CNY 1,234,568"
    assert money(float("nan"), "CNY") == "–"
    assert pct(0.22718) == "22.72%"
    assert pct(float("nan")) == "–"


def test_category_overrides_keep_only_changes():
    a = load_assumptions(None)
    table = fields.category_table(a)
    assert fields.category_overrides(table) == {}
    table.loc[table["category"] == "apparel", "sigma"] = 50.0  # percent, as the editor shows it
    table.loc[table["category"] == "food", "season_ends"] = "06-30, 12-31"
    added = pd.DataFrame([{"category": " bikes ", "sigma": 30.0, "orderly_days": 20.0}])
    table = pd.concat([table, added], ignore_index=True)
    assert fields.category_overrides(table) == {
        "apparel": {"sigma": 0.5},
        "food": {"season_ends": ["06-30", "12-31"]},
        "bikes": {"sigma": 0.3, "orderly_days": 20},
    }


def test_curve_document_drops_empty_rows_and_converts_percent():
    edited = pd.DataFrame({"tenor": ["1m", "1Y", None, "5Y"], "rate_pct": [1.5, 2.0, 3.0, None]})
    assert fields.curve_document(edited) == {"1M": 0.015, "1Y": 0.02}


def test_field_units():
    a = load_assumptions(None)
    confidence = next(f for f in fields.LENDER if f.key == "confidence")
    assert fields.current(a, confidence) == pytest.approx(99.0)
    rate = next(f for f in fields.PLEDGE_LOAN if f.key == "rate")
    assert fields.current(a, rate) == pytest.approx(4.5)
    assert rate.widget_key == "a.pledge_loan.rate"


def test_layers():
    # finance never imports Streamlit; pages never import QuantLib (they hold no finance).
    code = (
        "import sys, finance, finance.evaluate, finance.report.certificate, finance.risk.profiles, "
        "finance.report.summary; print('streamlit' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "False"
    for path in UI_FILES:
        assert not re.search(r"^\s*(import|from) QuantLib", path.read_text(encoding="utf-8"), re.M)
        assert "unsafe_allow_html" not in path.read_text(encoding="utf-8"), path


def test_channel_terms_keep_only_changes():
    a = load_assumptions(None)
    table = fields.channel_terms_table(a, ["apparel", "steel", "bikes"])
    assert fields.channel_terms(table) == []
    # bikes: a category no channel row names, shown by the generic rows it uses
    assert set(table["category"]) == {"apparel", "steel", "generic"}
    at = (table["channel"] == "outlet") & (table["category"] == "apparel")
    table.loc[at, "discount"] = 60.0  # percent, as the editor shows it
    table.loc[at, "days_to_cash"] = 10.0  # the editor may hand back a whole float
    table.loc[table["category"] == "steel", "fee"] = None  # emptied: the shipped figure
    assert fields.channel_terms(table) == [
        {"channel": "outlet", "category": "apparel", "discount": 0.6, "days_to_cash": 10}
    ]


def test_channel_terms_table_shows_the_terms_in_force():
    a = parse_assumptions(
        {"liquidate": {"terms": [{"channel": "outlet", "category": "food", "fee": 0.2}]}}
    )
    table = fields.channel_terms_table(a, ["food"]).set_index("channel")
    assert table.at["outlet", "fee"] == 20.0
    assert table.at["outlet", "discount"] == 40.0


def test_the_english_channel_notes_are_the_tables():
    en = catalog("en")
    for row in load_channels().itertuples():
        assert en[f"channel_note.{row.channel}.{row.category}"] == row.note


@pytest.mark.parametrize(
    ("column", "pinned", "number_format"),
    [
        ("sku", True, None),
        ("batch", True, None),
        ("option", True, None),
        ("stress", True, None),
        ("date", True, None),
        ("category", None, None),
        ("npv", None, "%,.2f"),  # money: the cent, a leading minus, never parentheses
        ("market_value", None, "%,.2f"),
        ("effective_annual_cost", None, "percent"),
    ],
)
def test_tables_pin_the_row_names_and_format_money_one_way(column, pinned, number_format):
    config = column_config([column], "CNY")[column]
    assert config["pinned"] is pinned
    assert config.get("type_config", {}).get("format") == number_format
