"""Backtest: the last 12 months of a history against the model fitted on the months before."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from finance.calibration import backtest, backtest_frame, format_backtest, read_history
from finance.calibration.backtest import COLUMNS, HORIZON
from finance.calibration.history import MIN_MONTHS
from finance.calibration.synthetic import TrueParameters, generate_history, write_history
from finance.cli import main
from finance.paths import DATA_DIR

SEASONAL = TrueParameters(0.20, 0.15, 0.25, (2, 8), 1_000.0, 0.30)
STEADY = TrueParameters(0.35, 0.50, 0.0, (), 300.0, 0.15)


def _history(tmp_path, truth, months, seed=0, start="2020-01"):
    path = tmp_path / "history.csv"
    # Unrounded: the CSV keeps every digit pandas writes.
    generate_history(truth, months, start=start, seed=seed).to_csv(path, index=False)
    return read_history(path)


def test_zero_noise_predicts_the_realised_path_exactly(tmp_path):
    """A deterministic history: the fit is exact, the band collapses onto the realised path.

    Hand-worked: 48 months from 2001-01; the fit ends at 2003-12 (month 36), the predicted
    year 2004 passes the February and August season ends, so a unit held 12 months keeps
    ``exp(-0.2) * 0.75**2`` of its price: it loses ``1 - 0.818731 * 0.5625 = 0.539464``.
    """
    truth = {"apparel": TrueParameters(0.0, 0.2, 0.25, (2, 8), 500.0, 0.0, start_price=80.0)}
    result = backtest(_history(tmp_path, truth, 48, start="2001-01"))
    (c,) = result.categories
    assert c.fitted_months == 36 and c.start_month == "2003-12"
    assert c.erosion == pytest.approx(0.2, abs=1e-6)
    assert c.markdown == pytest.approx(0.25, abs=1e-6)
    assert c.sigma == pytest.approx(0.0, abs=1e-6) and c.demand_sigma == 0.0
    assert c.predicted_loss == pytest.approx(1 - math.exp(-0.2) * 0.75**2, abs=1e-6)
    assert c.predicted_loss == pytest.approx(0.539464, abs=1e-6)
    assert c.realised_loss == pytest.approx(c.predicted_loss, abs=1e-9)
    assert c.lower_loss == pytest.approx(c.upper_loss, abs=1e-6)
    assert c.months_outside == 0
    path = c.path
    assert list(path["month"]) == [f"2004-{m:02d}" for m in range(1, 13)]
    for column in ("predicted_price", "lower_price", "upper_price"):
        assert np.allclose(path[column], path["realised_price"], rtol=1e-6), column
    assert np.allclose(path["predicted_units"], 500.0)
    assert np.allclose(path["realised_units"], 500.0)
    # The months after a season end: March and September.
    assert list(path.loc[path["season_end"], "month"]) == ["2004-03", "2004-09"]


def test_the_realised_loss_lies_in_the_band_for_most_seeds(tmp_path):
    """Nominally 90%; the band leaves out the estimates' error, so a little less on 36 months."""
    truth = {"apparel": SEASONAL, "steel": STEADY}
    seeds = range(100)
    inside = {name: 0 for name in truth}
    outside = {name: [] for name in truth}
    for seed in seeds:
        for c in backtest(_history(tmp_path, truth, 48, seed)).categories:
            inside[c.category] += c.lower_loss <= c.realised_loss <= c.upper_loss
            outside[c.category].append(c.months_outside)
            assert c.lower_loss < c.predicted_loss < c.upper_loss
    for name in truth:
        assert 0.7 <= inside[name] / len(seeds) <= 0.97, (name, inside[name])
        assert np.mean(outside[name]) <= 3.0, (name, np.mean(outside[name]))


def test_a_category_too_short_for_a_backtest_is_skipped_and_said(tmp_path):
    """30 months calibrate (>= 24) but leave 18 before the last 12: no backtest for steel."""
    history = generate_history({"apparel": SEASONAL, "steel": STEADY}, 48, start="2020-01")
    steel = history["category"] == "steel"
    short = history[~steel | (history.groupby("category").cumcount() >= 18)]
    path = tmp_path / "h.csv"
    write_history(short, path)
    result = backtest(read_history(path))
    assert [c.category for c in result.categories] == ["apparel"]
    (note,) = result.skipped
    assert note.code == "calibration.backtest_short"
    assert note.params["months"] == 30 - HORIZON < MIN_MONTHS
    assert "steel" in format_backtest(result, "en") and "no backtest" in str(note)
    assert "钢材" in format_backtest(result, "zh") and "不做回测" in format_backtest(result, "zh")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_cli_writes_backtest_csv_and_prints_the_summary(tmp_path, capsys, lang):
    out = tmp_path / "categories.toml"
    assert main(["calibrate", str(DATA_DIR / "sample_history.csv"), "--out", str(out),
                 "--lang", lang]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    rows = list(csv.DictReader((tmp_path / "backtest.csv").open(encoding="utf-8-sig")))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == 8 * HORIZON
    apparel = [r for r in rows if r["category"] == "apparel"]
    assert [r["month"] for r in apparel] == [f"2024-{m:02d}" for m in range(1, 13)]
    assert all(
        float(r["lower_price"]) <= float(r["predicted_price"]) <= float(r["upper_price"])
        for r in rows
    )
    # The realised columns are the history's last 12 months.
    history = read_history(DATA_DIR / "sample_history.csv")
    realised = next(h for h in history.categories if h.name == "apparel")
    assert np.allclose([float(r["realised_price"]) for r in apparel], realised.prices[-12:])
    frame = backtest_frame(backtest(history))
    assert list(frame.columns) == list(COLUMNS)
    if lang == "zh":
        assert "回测" in printed and "超出区间月数" in printed and "服装" in printed
        assert "backtest" not in printed.replace(str(tmp_path), "").replace("backtest.csv", "")
    else:
        assert "Backtest" in printed and "outside band" in printed
        assert "backtest.csv" in printed
