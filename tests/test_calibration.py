"""Calibration: the estimators recover a synthetic history's known parameters; the CLI."""

from __future__ import annotations

import csv
import math
import tomllib

import numpy as np
import pandas as pd
import pytest

from finance.calibration import FIELDS, MIN_MONTHS, calibrate, read_history
from finance.calibration.estimate import estimate_demand, estimate_prices, season_end_changes
from finance.calibration.synthetic import TrueParameters, generate_history, write_history
from finance.cli import main
from finance.inputs.assumptions import load_assumptions
from finance.paths import DATA_DIR

SAMPLE = DATA_DIR / "sample_history.csv"

#: Two parameter sets: a seasonal good (two season ends a year) and a steady one (none).
TRUTHS = {
    "seasonal": TrueParameters(0.20, 0.15, 0.25, (2, 8), 1_000.0, 0.30, months_to_clear=6.0),
    "steady": TrueParameters(0.35, 0.50, 0.0, (), 300.0, 0.15, months_to_clear=2.5),
}


def _estimates(truth: TrueParameters, months: int, seed: int) -> dict:
    history = generate_history({"x": truth}, months, start="2001-01", seed=seed)
    season_end = season_end_changes(1, months, truth.season_months)
    found = estimate_prices(
        history["avg_price"].to_numpy(), season_end, with_markdown=bool(truth.season_months)
    )
    stock = truth.level * truth.months_to_clear
    found += estimate_demand(history["units_sold"].to_numpy(), stock)
    return {e.field: e for e in found}


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("which", sorted(TRUTHS))
def test_estimators_recover_the_generators_parameters(which, seed):
    truth = TRUTHS[which]
    found = _estimates(truth, 240, seed)
    expected = {
        "sigma": truth.sigma,
        "erosion": truth.erosion,
        "demand_sigma": truth.demand_sigma,
        "months_to_clear": truth.months_to_clear,
    }
    if truth.season_months:
        expected["markdown"] = truth.markdown
    else:
        assert "markdown" not in found
    for field, value in expected.items():
        e = found[field]
        assert abs(e.estimate - value) <= 3 * e.std_error, (field, e, value)
    # The months each estimate rests on: 239 changes, 2 season ends a year.
    n_season = 2 * 20 if truth.season_months else 0
    assert found["sigma"].months == found["erosion"].months == 239 - n_season
    assert found["demand_sigma"].months == found["months_to_clear"].months == 240
    if truth.season_months:
        assert found["markdown"].months == n_season


@pytest.mark.parametrize("which", sorted(TRUTHS))
def test_standard_errors_shrink_with_more_months(which):
    short, long = (_estimates(TRUTHS[which], n, seed=7) for n in (48, 480))
    for field in short:
        assert long[field].std_error < short[field].std_error, field


@pytest.mark.parametrize("which", sorted(TRUTHS))
def test_standard_errors_match_the_spread_over_seeds(which):
    """Over 200 seeds the estimates spread about as their standard errors say (within 25%)."""
    runs = [_estimates(TRUTHS[which], 120, seed) for seed in range(200)]
    for field in runs[0]:
        spread = np.std([r[field].estimate for r in runs], ddof=1)
        said = np.mean([r[field].std_error for r in runs])
        assert 0.75 < spread / said < 1.25, (field, spread, said)


def _write(tmp_path, history, name="history.csv"):
    path = tmp_path / name
    write_history(history, path)
    return path


def _two_categories(months=36, seed=3):
    truth = {"apparel": TRUTHS["seasonal"], "steel": TRUTHS["steady"]}
    return generate_history(truth, months, start="2020-01", seed=seed)


def _break(history, how):
    steel = history["category"] == "steel"
    if how == "23 months":
        keep = ~steel | (history.groupby("category").cumcount() < MIN_MONTHS - 1)
        return history[keep]
    if how == "a gap":
        return history.drop(history.index[steel][10])
    if how == "a zero price":
        history = history.copy()
        history.loc[history.index[steel][5], "avg_price"] = 0.0
        return history
    history = history.copy()  # negative units
    history.loc[history.index[steel][5], "units_sold"] = -4
    return history


CODES = {
    "23 months": "problem.calibration_short",
    "a gap": "problem.calibration_gap",
    "a zero price": "problem.calibration_price",
    "negative units": "problem.calibration_units",
}


@pytest.mark.parametrize("how", sorted(CODES))
def test_too_little_history_leaves_the_category_out(tmp_path, how):
    path = _write(tmp_path, _break(_two_categories(), how))
    history = read_history(path)
    assert [c.name for c in history.categories] == ["apparel"]
    assert history.left_out == ("steel",)
    assert [p.code for p in history.problems] == [CODES[how]]
    problem = history.problems[0]
    assert "steel" in problem.render("en") and "keeps its default" in problem.render("en")
    assert "保留默认值" in problem.render("zh")
    result = calibrate(history)
    assert [c.category for c in result.categories] == ["apparel"]


@pytest.mark.parametrize("how", sorted(CODES))
def test_cli_leaves_a_short_category_out_of_the_toml_and_says_so(tmp_path, capsys, how):
    path = _write(tmp_path, _break(_two_categories(), how))
    out = tmp_path / "out" / "categories.toml"
    assert main(["calibrate", str(path), "--out", str(out), "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert "steel" in printed and "keeps its default" in printed
    assumptions = load_assumptions(out)
    # steel keeps the shipped default; apparel carries the estimate.
    assert assumptions.categories["steel"] == load_assumptions().categories["steel"]
    rows = list(csv.DictReader((tmp_path / "out" / "calibration.csv").open(encoding="utf-8-sig")))
    assert {r["category"] for r in rows} == {"apparel"}
    assert list(tomllib.loads(out.read_text(encoding="utf-8"))["categories"]) == ["apparel"]


def _run(tmp_path, capsys, lang):
    out = tmp_path / "categories.toml"
    code = main(["calibrate", str(SAMPLE), "--out", str(out), "--lang", lang])
    return code, out, capsys.readouterr()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_cli_on_the_shipped_sample(tmp_path, capsys, lang):
    code, out, printed = _run(tmp_path, capsys, lang)
    assert code == 0, printed.err
    rows = list(csv.DictReader((tmp_path / "calibration.csv").open(encoding="utf-8-sig")))
    assert list(rows[0]) == ["category", "field", "estimate", "std_error", "months"]
    assert {r["field"] for r in rows} == set(FIELDS)
    assert len({r["category"] for r in rows}) == 8
    assert all(math.isfinite(float(r["estimate"])) and float(r["std_error"]) > 0 for r in rows)
    categories = load_assumptions(out).categories
    estimates = {(r["category"], r["field"]): float(r["estimate"]) for r in rows}
    for (name, field), value in estimates.items():
        if field in ("sigma", "markdown", "months_to_clear", "demand_sigma"):
            assert getattr(categories[name], field) == pytest.approx(value, abs=1e-6)
        elif field == "erosion":  # written within the table's bounds: 0 for rising prices
            assert categories[name].erosion == pytest.approx(max(value, 0.0), abs=1e-6)
    if lang == "zh":
        assert "价格波动率" in printed.out and "标准误" in printed.out and "服装" in printed.out
    else:
        assert "std error" in printed.out and "apparel" in printed.out


def test_the_written_toml_is_an_assumptions_file_carrying_demand_sigma(tmp_path, capsys):
    """The TOML loads the way ``evaluate --assumptions`` reads it, demand_sigma included."""
    from finance.inputs.assumptions import parse_assumptions, read_assumptions_file

    code, out, printed = _run(tmp_path, capsys, "en")
    assert code == 0, printed.err
    assert "calibration.csv only" not in printed.out
    written = tomllib.loads(out.read_text(encoding="utf-8"))["categories"]
    assert all("demand_sigma" in fields for fields in written.values())
    assumptions = parse_assumptions(read_assumptions_file(str(out)), file=out.name)
    shipped = load_assumptions().categories
    for name, fields in written.items():
        assert assumptions.categories[name].demand_sigma == fields["demand_sigma"]
        assert assumptions.categories[name].demand_sigma != shipped[name].demand_sigma
        # The fields the history does not speak of keep the shipped defaults.
        assert assumptions.categories[name].aging_reserve == shipped[name].aging_reserve


def test_the_shipped_sample_is_the_documented_draw():
    from finance.calibration.synthetic import sample_history

    history = sample_history()
    shipped = read_history(SAMPLE)
    assert len(shipped.categories) == 8
    for h in shipped.categories:
        drawn = history[history["category"] == h.name]
        assert h.months == 48
        assert np.allclose(h.prices, drawn["avg_price"], atol=0.006)


@pytest.mark.parametrize(
    ("text", "row", "column"),
    [
        ("month,category,avg_price,units_sold\n2021-01,apparel,10,5\n2021-13,apparel,10,5\n",
         3, "month"),
        ("月份,类别,均价,销量\n2021-01,服装,10,5\n2021-02,服装,abc,5\n", 3, "均价"),
        ("month,category,avg_price,units_sold\n2021-01,,10,5\n", 2, "category"),
    ],
)  # fmt: skip
def test_a_bad_file_exits_2_naming_row_and_column(tmp_path, capsys, text, row, column):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "c.toml"
    assert main(["calibrate", str(path), "--out", str(out), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert f"bad.csv, row {row}, column {column!r}" in err
    assert not out.exists() and not (tmp_path / "calibration.csv").exists()
    assert main(["calibrate", str(path), "--out", str(out), "--lang", "zh"]) == 2
    assert f"第 {row} 行" in capsys.readouterr().err


def test_a_missing_column_exits_2(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("month,category,avg_price\n2021-01,apparel,10\n", encoding="utf-8")
    assert main(["calibrate", str(path), "--out", str(tmp_path / "c.toml"), "--lang", "en"]) == 2
    assert "missing column 'units_sold'" in capsys.readouterr().err


def test_chinese_headers_and_sku_rows_are_one_category_month(tmp_path):
    history = _two_categories(months=30)
    # Split every month into two SKUs at the same price: the category's month is unchanged.
    halves = [history.assign(sku=s, units_sold=history["units_sold"] / 2) for s in ("A", "B")]
    both = (
        pd.concat(halves)
        .rename(columns={"month": "月份", "category": "类别", "avg_price": "均价",
                         "units_sold": "销量"})
        .drop(columns="stock_on_hand")
    )  # fmt: skip
    path = tmp_path / "h.csv"
    both.to_csv(path, index=False)
    read = read_history(path)
    assert [c.months for c in read.categories] == [30, 30]
    apparel = read.categories[0]
    assert np.allclose(apparel.prices, history[history["category"] == "apparel"]["avg_price"])


def _estimates_of(folder) -> pd.DataFrame:
    frame = pd.read_csv(folder / "calibration.csv", encoding="utf-8-sig")
    return frame.set_index(["category", "field"]).sort_index()


@pytest.mark.parametrize("suffix", ["xlsx", "parquet"])
def test_xlsx_and_parquet_histories_give_the_csv_estimates(tmp_path, suffix):
    history = pd.read_csv(SAMPLE)
    path = tmp_path / f"history.{suffix}"
    if suffix == "xlsx":
        history.to_excel(path, index=False)
    else:
        history.to_parquet(path, index=False)
    for name, source in (("from_csv", SAMPLE), ("from_file", path)):
        (tmp_path / name).mkdir()
        out = tmp_path / name / "categories.toml"
        assert main(["calibrate", str(source), "--out", str(out), "--lang", "en"]) == 0
    expected, found = _estimates_of(tmp_path / "from_csv"), _estimates_of(tmp_path / "from_file")
    pd.testing.assert_frame_equal(found, expected, rtol=1e-12)
    written = (tmp_path / "from_file" / "categories.toml").read_text(encoding="utf-8")
    assert (
        tomllib.loads(written)["categories"]
        == tomllib.loads((tmp_path / "from_csv" / "categories.toml").read_text(encoding="utf-8"))[
            "categories"
        ]
    )


def test_chinese_headers_with_sku_rows_through_the_cli(tmp_path, capsys):
    """月份, 类别, 均价, 销量 with each category's month split over two SKUs at one price."""
    history = pd.read_csv(SAMPLE)
    halves = [
        history.assign(sku=f"{s}-" + history["category"], units_sold=history["units_sold"] / 2)
        for s in ("A", "B")
    ]
    chinese = pd.concat(halves).rename(
        columns={"month": "月份", "category": "类别", "avg_price": "均价", "units_sold": "销量",
                 "sku": "商品编码", "stock_on_hand": "库存"}
    )  # fmt: skip
    # The stock column is a month's units on hand: half of it on each SKU's row.
    chinese["库存"] = chinese["库存"] / 2
    path = tmp_path / "历史.xlsx"
    chinese.to_excel(path, index=False)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert main(["calibrate", str(SAMPLE), "--out", str(tmp_path / "a" / "c.toml")]) == 0
    assert main(["calibrate", str(path), "--out", str(tmp_path / "b" / "c.toml"),
                 "--lang", "zh"]) == 0  # fmt: skip
    assert "服装" in capsys.readouterr().out
    expected, found = _estimates_of(tmp_path / "a"), _estimates_of(tmp_path / "b")
    pd.testing.assert_frame_equal(found, expected, rtol=1e-9)


def test_stock_from_an_inventory_gives_months_to_clear(tmp_path, capsys):
    """``--stock INVENTORY``: months_to_clear = the inventory's units by category / mean sales."""
    from finance.inputs.inventory import load_inventory

    inventory = DATA_DIR / "sample_inventory.csv"
    history = pd.read_csv(SAMPLE).drop(columns="stock_on_hand")
    path = tmp_path / "h.csv"
    history.to_csv(path, index=False)
    out = tmp_path / "c.toml"
    assert main(["calibrate", str(path), "--out", str(out), "--stock", str(inventory),
                 "--lang", "en"]) == 0  # fmt: skip
    assert "no stock on hand" not in capsys.readouterr().out
    on_hand = load_inventory(inventory).groupby("category")["quantity"].sum()
    mean_sales = history.groupby("category")["units_sold"].mean()
    found = _estimates_of(tmp_path)["estimate"]
    written = tomllib.loads(out.read_text(encoding="utf-8"))["categories"]
    for name in mean_sales.index:
        expected = on_hand[name] / mean_sales[name]
        assert found[(name, "months_to_clear")] == pytest.approx(expected, rel=1e-12)
        assert written[name]["months_to_clear"] == pytest.approx(expected, abs=1e-6)
    # Without the inventory and without the column, months_to_clear is not estimated: said so.
    (tmp_path / "none").mkdir()
    assert main(["calibrate", str(path), "--out", str(tmp_path / "none" / "c.toml"),
                 "--lang", "en"]) == 0  # fmt: skip
    assert "no stock on hand" in capsys.readouterr().out
    assert "months_to_clear" not in set(_estimates_of(tmp_path / "none").reset_index()["field"])
