"""Calibration of category fields from a company's monthly history (MODEL.md section 6a).

- :mod:`~finance.calibration.history`: reading and checking the history, per category;
- :mod:`~finance.calibration.estimate`: the estimators and their standard errors;
- :mod:`~finance.calibration.calibrate`: a history calibrated, the TOML and ``calibration.csv``;
- :mod:`~finance.calibration.backtest`: the last 12 months predicted by the model fitted
  on the months before, against what happened;
- :mod:`~finance.calibration.synthetic`: a history drawn with known parameters.
"""

from finance.calibration.backtest import (
    Backtest,
    CategoryBacktest,
    backtest,
    backtest_frame,
    format_backtest,
    summary_frame,
)
from finance.calibration.calibrate import (
    Calibration,
    calibrate,
    calibration_frame,
    calibration_toml,
    format_calibration,
    write_calibration,
)
from finance.calibration.estimate import FIELDS, Estimate
from finance.calibration.history import MIN_MONTHS, History, read_history

__all__ = [
    "FIELDS",
    "MIN_MONTHS",
    "Backtest",
    "Calibration",
    "CategoryBacktest",
    "Estimate",
    "History",
    "backtest",
    "backtest_frame",
    "calibrate",
    "calibration_frame",
    "calibration_toml",
    "format_backtest",
    "format_calibration",
    "read_history",
    "summary_frame",
    "write_calibration",
]
