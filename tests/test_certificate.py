"""Tests of finance/certificate.py (the borrowing-base certificate) and its workbook sheet."""

from __future__ import annotations

import datetime as dt
import io
import math

import openpyxl
import pandas as pd
import pytest
from conftest import T0, lot_frame, make_assumptions

from finance import evaluate, load_assumptions, load_inventory
from finance.collateral.eligibility import REASONS
from finance.inputs.assumptions import parse_assumptions
from finance.paths import DATA_DIR
from finance.report import workbook_bytes
from finance.report.certificate import (
    CERTIFICATE_COLUMNS,
    CERTIFICATE_EXPORT_COLUMNS,
    borrowing_base_certificate,
)

CENT = 0.005
HEAD = ["gross_inventory"]
TAIL = [
    "eligible_inventory",
    "eligible_book_value",
    "limit_haircut",
    "limit_cost",
    "limit_nolv",
    "lendable_before_concentration",
    "concentration_excess",
    "borrowing_base",
    "loan",
    "availability",
    "advance_rate",
]
KINDS = {
    "gross_inventory": "item",
    "eligible_inventory": "total",
    "eligible_book_value": "memo",
    "limit_haircut": "item",
    "limit_cost": "item",
    "limit_nolv": "item",
    "lendable_before_concentration": "total",
    "concentration_excess": "less",
    "borrowing_base": "total",
    "loan": "less",
    "availability": "total",
    "advance_rate": "ratio",
}


def amounts(cert: pd.DataFrame) -> dict[str, float]:
    return dict(zip(cert["line"], cert["amount"], strict=True))


def lot_counts(cert: pd.DataFrame) -> dict[str, object]:
    return dict(zip(cert["line"], cert["lots"], strict=True))


# ------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def sample_result():
    # The default assumptions (valuation date pinned), with few scenarios: the certificate
    # uses no simulated figure.
    base = load_assumptions(today=dt.date(2026, 11, 24))
    assert base.valuation_date == dt.date(2026, 11, 24)
    a = parse_assumptions({"scenarios": 500}, today=dt.date(2026, 11, 24))
    return evaluate(load_inventory(DATA_DIR / "sample_inventory.csv"), a)


@pytest.fixture(scope="module")
def sample_certificate(sample_result):
    return borrowing_base_certificate(sample_result)


# A hand-built stock in generic (cost_advance raised to 0.9 so that each limit binds on one
# lot, as in test_borrowing_base.py), three ineligible lots and a loan of 150 requested.
MIXED_LOTS = (
    {"sigma": 1.0},  # wide haircut binds
    {"unit_cost": 2.0},  # 0.9 * BOOK = 180 binds
    {"sigma": 0.0, "unit_cost": 12.0},  # 0.85 * OLV binds
    {"damaged": True, "quantity": 40.0},
    {"consigned": True, "quantity": 70.0},
    {"damaged": True, "quantity": 5.0},
    {"age_days": 400.0, "quantity": 20.0},  # aged: limit 360 days
)


@pytest.fixture(scope="module")
def mixed_result():
    a = make_assumptions(
        scenarios=500,
        concentration_limit=0.4,
        pledge_loan={"requested": 150.0},
        categories={"generic": {"cost_advance": 0.9}},
    )
    return evaluate(lot_frame(*MIXED_LOTS), a)


@pytest.fixture(scope="module")
def clean_result():
    a = make_assumptions(scenarios=500, concentration_limit=1.0)
    return evaluate(lot_frame({}, {"category": "copper", "quantity": 50.0}), a)


@pytest.fixture(scope="module")
def empty_result():
    # nothing eligible: every lot damaged or in transit
    a = make_assumptions(scenarios=500)
    return evaluate(lot_frame({"damaged": True}, {"in_transit": True, "quantity": 30.0}), a)


RESULTS = ["sample_result", "mixed_result", "clean_result", "empty_result"]


# ------------------------------------------------------------------- it adds up, anywhere
@pytest.mark.parametrize("name", RESULTS)
def test_shape_and_line_order(name, request):
    result = request.getfixturevalue(name)
    cert = borrowing_base_certificate(result)
    assert tuple(cert.columns) == CERTIFICATE_COLUMNS
    assert str(cert["lots"].dtype) == "Int64"
    lines = list(cert["line"])
    reasons = [line for line in lines if line.startswith("ineligible_")]
    assert lines == HEAD + reasons + TAIL
    # reason lines in the order of REASONS
    order = [REASONS.index(r.removeprefix("ineligible_")) for r in reasons]
    assert order == sorted(order)
    for line, kind in zip(cert["line"], cert["kind"], strict=True):
        assert kind == ("less" if line.startswith("ineligible_") else KINDS[line])
    counts = lot_counts(cert)
    assert all(pd.isna(counts[k]) for k in ("loan", "availability", "advance_rate"))


@pytest.mark.parametrize("name", RESULTS)
def test_the_lines_add_up(name, request):
    result = request.getfixturevalue(name)
    cert = borrowing_base_certificate(result)
    amt = amounts(cert)
    less = [v for k, v in amt.items() if k.startswith("ineligible_")]
    assert all(v <= 0 for v in less)
    assert amt["gross_inventory"] + sum(less) == pytest.approx(amt["eligible_inventory"], abs=CENT)
    limits = amt["limit_haircut"] + amt["limit_cost"] + amt["limit_nolv"]
    assert limits == pytest.approx(amt["lendable_before_concentration"], abs=CENT)
    assert amt["concentration_excess"] <= 0
    assert amt["lendable_before_concentration"] + amt["concentration_excess"] == pytest.approx(
        amt["borrowing_base"], abs=CENT
    )
    assert amt["borrowing_base"] == pytest.approx(result.summary["borrowing_base"], abs=CENT)
    assert amt["loan"] <= 0
    assert amt["borrowing_base"] + amt["loan"] == pytest.approx(amt["availability"], abs=CENT)
    # lots: gross = eligible + each ineligible line; limit lines share out the eligible lots
    n = lot_counts(cert)
    reason_lots = sum(v for k, v in n.items() if k.startswith("ineligible_"))
    assert n["gross_inventory"] == len(result.lots) == n["eligible_inventory"] + reason_lots
    assert n["limit_haircut"] + n["limit_cost"] + n["limit_nolv"] == n["eligible_inventory"]
    assert n["lendable_before_concentration"] == n["borrowing_base"] == n["eligible_inventory"]
    assert n["eligible_book_value"] == n["eligible_inventory"]


@pytest.mark.parametrize("name", RESULTS)
def test_lines_agree_with_the_valuation(name, request):
    result = request.getfixturevalue(name)
    amt = amounts(borrowing_base_certificate(result))
    s, lots = result.summary, result.lots
    eligible = lots["eligible"].astype(bool)
    assert amt["gross_inventory"] == pytest.approx(s["market_value"], abs=CENT)
    assert amt["eligible_inventory"] == pytest.approx(s["eligible_value"], abs=CENT)
    assert amt["eligible_book_value"] == pytest.approx(
        float(lots.loc[eligible, "book_value"].sum()), abs=CENT
    )
    for reason, value in s["ineligible_by_reason"].items():
        assert amt.get(f"ineligible_{reason}", 0.0) == pytest.approx(-value, abs=CENT)
    assert amt["concentration_excess"] == pytest.approx(-s["concentration_excess"], abs=CENT)
    assert amt["loan"] == pytest.approx(-s["loan_amount"], abs=CENT)
    for limit in ("haircut", "cost", "nolv"):
        on = eligible & (lots["binding_limit"] == limit)
        before = lots.loc[on, "lendable_value"] + lots.loc[on, "concentration_excess"]
        assert amt[f"limit_{limit}"] == pytest.approx(float(before.sum()), abs=CENT)


@pytest.mark.parametrize("name", RESULTS)
def test_a_reason_line_only_when_the_reason_occurs(name, request):
    result = request.getfixturevalue(name)
    cert = borrowing_base_certificate(result)
    occurring = set(result.lots["ineligible_reason"]) - {""}
    lines = {line.removeprefix("ineligible_") for line in cert["line"] if "ineligible_" in line}
    assert lines == occurring
    n = lot_counts(cert)
    for reason in occurring:
        assert n[f"ineligible_{reason}"] == (result.lots["ineligible_reason"] == reason).sum()


@pytest.mark.parametrize("name", ["sample_result", "mixed_result", "clean_result"])
def test_advance_rate_is_base_over_eligible(name, request):
    amt = amounts(borrowing_base_certificate(request.getfixturevalue(name)))
    assert amt["eligible_inventory"] > 0
    assert amt["advance_rate"] == pytest.approx(
        amt["borrowing_base"] / amt["eligible_inventory"], rel=1e-12
    )
    assert 0 < amt["advance_rate"] <= 1


# -------------------------------------------------------------------- the hand-built stocks
def test_mixed_stock_by_hand(mixed_result):
    cert = borrowing_base_certificate(mixed_result)
    amt, n = amounts(cert), lot_counts(cert)
    # MV: 1000 each for the three eligible lots; damaged 400 + 50, consigned 700, aged 200
    assert amt["gross_inventory"] == pytest.approx(4350.0)
    assert [line for line in cert["line"] if line.startswith("ineligible_")] == [
        "ineligible_aged",
        "ineligible_consigned",
        "ineligible_damaged",
    ]
    assert amt["ineligible_aged"] == pytest.approx(-200.0)
    assert amt["ineligible_consigned"] == pytest.approx(-700.0)
    assert amt["ineligible_damaged"] == pytest.approx(-450.0)
    assert (n["ineligible_aged"], n["ineligible_consigned"], n["ineligible_damaged"]) == (1, 1, 2)
    assert amt["eligible_inventory"] == pytest.approx(3000.0)
    assert n["eligible_inventory"] == 3
    # one lot on each limit; the cost-bound lot lends 0.9 * 200
    assert (n["limit_haircut"], n["limit_cost"], n["limit_nolv"]) == (1, 1, 1)
    assert amt["limit_cost"] == pytest.approx(180.0)
    assert amt["loan"] == pytest.approx(-150.0)
    assert amt["availability"] == pytest.approx(amt["borrowing_base"] - 150.0)
    assert amt["availability"] > 0


def test_concentration_line_with_one_dominant_lot():
    # Two copper lots, MV 100 and 10,000, 25% limit: the large lot is cut to a quarter of the
    # total before concentration.
    a = make_assumptions(scenarios=500, concentration_limit=0.25)
    frame = lot_frame(
        {"category": "copper", "quantity": 10.0}, {"category": "copper", "quantity": 1000.0}
    )
    result = evaluate(frame, a)
    cert = borrowing_base_certificate(result)
    amt, n = amounts(cert), lot_counts(cert)
    before = amt["lendable_before_concentration"]
    small = float(result.lots["lendable_value"].iloc[0])
    assert n["concentration_excess"] == 1
    assert amt["concentration_excess"] == pytest.approx(-(before - small - 0.25 * before))
    assert amt["borrowing_base"] == pytest.approx(small + 0.25 * before)


def test_clean_stock_has_no_reason_lines_and_no_excess(clean_result):
    cert = borrowing_base_certificate(clean_result)
    assert list(cert["line"]) == HEAD + TAIL
    amt, n = amounts(cert), lot_counts(cert)
    assert amt["gross_inventory"] == amt["eligible_inventory"] == pytest.approx(1500.0)
    assert amt["concentration_excess"] == 0.0
    assert n["concentration_excess"] == 0
    # requested 0: the loan is the whole borrowing base, nothing is left available
    assert -amt["loan"] == pytest.approx(amt["borrowing_base"])
    assert amt["availability"] == pytest.approx(0.0, abs=CENT)


def test_nothing_eligible(empty_result):
    cert = borrowing_base_certificate(empty_result)
    amt, n = amounts(cert), lot_counts(cert)
    assert amt["gross_inventory"] == pytest.approx(1300.0)
    assert amt["ineligible_in_transit"] == pytest.approx(-300.0)
    assert amt["ineligible_damaged"] == pytest.approx(-1000.0)
    for line in ("eligible_inventory", "borrowing_base", "availability", "loan"):
        assert amt[line] == 0.0
    assert n["eligible_inventory"] == 0
    assert math.isnan(amt["advance_rate"])


@pytest.mark.parametrize("name", ["clean_result", "empty_result"])
def test_no_deduction_shows_as_negative_zero(name, request):
    amt = amounts(borrowing_base_certificate(request.getfixturevalue(name)))
    for value in amt.values():
        if value == 0:
            assert math.copysign(1.0, value) == 1.0


def test_sample_has_ineligible_stock_and_a_concentration_excess(sample_certificate):
    # The shipped sample shows every part of the certificate at work.
    amt = amounts(sample_certificate)
    assert sum(1 for line in amt if line.startswith("ineligible_")) >= 5
    assert amt["concentration_excess"] < 0
    assert 0 < amt["borrowing_base"] < amt["eligible_inventory"] < amt["gross_inventory"]
    assert sample_certificate["lots"].iloc[0] == 240


# ------------------------------------------------------------------------------- workbook
def read_sheet(result) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(result)), data_only=True)
    assert "Borrowing base" in book.sheetnames
    names = book.sheetnames
    assert names.index("Haircuts") < names.index("Borrowing base") < names.index("Assumptions")
    return list(book["Borrowing base"].iter_rows(values_only=True))


@pytest.mark.parametrize("name", ["sample_result", "mixed_result"])
def test_workbook_sheet_holds_the_certificate(name, request):
    result = request.getfixturevalue(name)
    cert = borrowing_base_certificate(result)
    rows = read_sheet(result)
    # The exported certificate: the line's key and its words, then kind, lots and amount.
    assert list(rows[0]) == list(CERTIFICATE_EXPORT_COLUMNS)
    body = rows[1:]
    assert [r[0] for r in body] == list(cert["line"])
    assert all(isinstance(r[1], str) and r[1] for r in body)
    assert [r[2] for r in body] == list(cert["kind"])
    for (_, _, _, lots, amount), expected_lots, expected in zip(
        body, cert["lots"], cert["amount"], strict=True
    ):
        assert lots == (None if pd.isna(expected_lots) else int(expected_lots))
        # Amounts to the cent; the advance rate to six decimals.
        assert amount == pytest.approx(expected, abs=0.005 if abs(expected) > 1 else 5e-7)
    sheet = {r[0]: r[4] for r in body}
    assert sheet["borrowing_base"] == pytest.approx(result.summary["borrowing_base"], abs=CENT)
    assert sheet["eligible_inventory"] == pytest.approx(result.summary["eligible_value"], abs=CENT)
    assert sheet["gross_inventory"] == pytest.approx(result.summary["market_value"], abs=CENT)


def test_valuation_date_of_the_sample_is_pinned(sample_result):
    assert sample_result.assumptions.valuation_date == T0
