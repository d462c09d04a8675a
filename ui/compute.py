"""Cached calls into finance, keyed on the inputs' content.

Keys are digests of what the user gave (the upload's bytes, the assumptions as canonical
TOML), so one changed cell is a new key (Streamlit samples large objects when it hashes
them; see ``runner.cacheHashSeed``), and arguments that are only derived from a key are
passed with a leading underscore so that Streamlit does not hash them. The cache is shared
by every session; finance takes QuantLib's lock itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import importlib.metadata
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from finance import Assumptions, InputError, ValuationResult, evaluate, load_inventory
from finance.analysis.drivers import LossDrivers, demand_sensitivity, loss_drivers
from finance.analysis.stress import StressResult, stress_test
from finance.calibration import Backtest, Calibration, History, backtest, calibrate, read_history
from finance.errors import Problem
from finance.inputs.assumptions import parse_assumptions
from finance.inputs.categories import Category
from finance.inputs.reading import Limits
from finance.paths import DATA_DIR
from finance.report.assumptions_toml import assumptions_toml
from finance.report.memo import credit_memo
from finance.risk.profiles import haircut_profile, value_decay
from ui.i18n import label, t
from ui.template import unknown_category_names

SAMPLE_FILE = DATA_DIR / "sample_inventory.csv"
#: Largest upload the inventory page accepts, MB (also server.maxUploadSize).
MAX_UPLOAD_MB = 50
#: Most lots the app values (the command line takes more).
MAX_LOTS = 500_000
#: What an upload may unpack to, besides its size and lots: 32 cells a lot at the lot limit,
#: and a third of the upload limit in characters of text (Chinese takes three bytes a
#: character in UTF-8), so that a small workbook or Parquet file is refused before it
#: becomes more than the largest CSV the page accepts (and a table the browser cannot take).
READ_LIMITS: Mapping[str, int] = {
    "max_bytes": MAX_UPLOAD_MB * 2**20,
    "max_rows": MAX_LOTS,
    "max_cells": 32 * MAX_LOTS,
    "max_text": MAX_UPLOAD_MB * 2**20 // 3,
}
#: What a history upload may hold: a few categories or SKUs over some years, far below an
#: inventory's limits (the page's uploader takes at most HISTORY_MB).
HISTORY_MB = 10
HISTORY_LIMITS = Limits(
    bytes=HISTORY_MB * 2**20, rows=200_000, cells=2_000_000, text=HISTORY_MB * 2**20 // 3
)

#: How long a cached result is kept (every st.cache_data below): a server that runs for
#: weeks must not hold every session's results for ever. With ``max_entries`` on each and
#: ``server.maxCacheDataSize`` in .streamlit/config.toml, the cache is bounded in time, in
#: entries and in bytes.
CACHE_TTL = dt.timedelta(hours=1)

#: Every problem found in an input, in the order found.
Problems = tuple[Problem, ...]


def digest(data: bytes) -> str:
    """SHA-256 of some bytes, as hex: the cache key of an upload or a document."""
    return hashlib.sha256(data).hexdigest()


@st.cache_data(show_spinner=False, max_entries=32, ttl=CACHE_TTL)
def _assumptions(
    doc_key: str, _doc: Mapping[str, Any]
) -> tuple[Assumptions | None, Problems | None]:
    try:
        return parse_assumptions(_doc, file="app"), None
    except InputError as exc:
        return None, exc.problems


def assumptions_from(doc: Mapping[str, Any]) -> tuple[Assumptions | None, Problems | None]:
    """Merge the user's document onto the defaults: the assumptions, or the problems.

    Problems are returned as they are, not as text: the cache is shared by sessions in
    either language, and each page says them in its own (:func:`ui.session.show_problems`).
    """
    # The default valuation date is today's, so the day is part of the key.
    key = repr(sorted(doc.items(), key=lambda kv: kv[0])) + time.strftime("%Y-%m-%d")
    return _assumptions(digest(key.encode("utf-8")), doc)


@dataclass(frozen=True)
class Inputs:
    """A session's validated inputs and the keys their results are cached under.

    ``lots_key`` digests the file's bytes, its name and the categories it was read with;
    ``assumptions_key`` the assumptions' full TOML document. Both are computed once here.
    """

    assumptions: Assumptions
    lots: pd.DataFrame
    lots_key: str
    assumptions_key: str
    source: str
    is_sample: bool


@functools.cache
def sample_upload() -> tuple[str, bytes, str]:
    """The shipped sample as an upload: name, bytes and digest (read once per process)."""
    data = SAMPLE_FILE.read_bytes()
    return SAMPLE_FILE.name, data, digest(data)


def as_upload(name: str, data: bytes) -> tuple[str, bytes, str]:
    """An uploaded file as the session keeps it: name, bytes and their digest."""
    return name, data, digest(data)


@st.cache_data(show_spinner=False, max_entries=16, ttl=CACHE_TTL)
def _inventory(
    data_key: str,
    name: str,
    categories_key: str,
    _data: bytes,
    _categories: Mapping[str, Category],
    _names: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame | None, Problems | None]:
    try:
        lots = load_inventory(
            _data, name=name, categories=_categories, category_names=_names, **READ_LIMITS
        )
        return lots, None
    except InputError as exc:
        return None, exc.problems


def inputs_from(
    upload: tuple[str, bytes, str] | None, assumptions: Assumptions
) -> tuple[Inputs | None, Problems | None]:
    """Validate the upload (None: the sample): the inputs, or the file's problems."""
    name, data, data_key = upload if upload is not None else sample_upload()
    # The company's category names change how the file reads, so they are part of the key.
    tables = (sorted(assumptions.categories.items()), sorted(assumptions.category_names.items()))
    categories_key = digest(repr(tables).encode("utf-8"))
    lots, problems = _inventory(
        data_key, name, categories_key, data, assumptions.categories, assumptions.category_names
    )
    if lots is None:
        return None, problems
    lots_key = digest(f"{data_key}:{name}:{categories_key}".encode())
    a_key = digest(assumptions_toml(assumptions))
    return Inputs(assumptions, lots, lots_key, a_key, name, upload is None), None


#: The shipped monthly sales history (the Calibrate page's sample).
SAMPLE_HISTORY = DATA_DIR / "sample_history.csv"


@functools.cache
def sample_history() -> tuple[str, bytes, str]:
    """The shipped sample history as an upload: name, bytes and digest."""
    data = SAMPLE_HISTORY.read_bytes()
    return SAMPLE_HISTORY.name, data, digest(data)


@dataclass(frozen=True)
class Calibrated:
    """A history read, calibrated and backtested (:mod:`finance.calibration`)."""

    history: History
    calibration: Calibration
    backtest: Backtest


@st.cache_data(show_spinner=False, max_entries=16, ttl=CACHE_TTL)
def _calibrated(
    data_key: str, name: str, categories_key: str, _data: bytes, _categories: Mapping[str, Category]
) -> tuple[Calibrated | None, Problems | None]:
    try:
        history = read_history(_data, name=name, categories=_categories, limits=HISTORY_LIMITS)
    except InputError as exc:
        return None, exc.problems
    calibration = calibrate(history, categories=_categories)
    return Calibrated(history, calibration, backtest(history, categories=_categories)), None


def calibrated(
    upload: tuple[str, bytes, str], assumptions: Assumptions
) -> tuple[Calibrated | None, Problems | None]:
    """The history's estimates and backtest with the session's categories, or its problems."""
    name, data, data_key = upload
    categories_key = digest(repr(sorted(assumptions.categories.items())).encode("utf-8"))
    return _calibrated(data_key, name, categories_key, data, assumptions.categories)


@st.cache_data(show_spinner=False, max_entries=16, ttl=CACHE_TTL)
def _unknown_categories(
    data_key: str,
    name: str,
    categories_key: str,
    _data: bytes,
    _categories: Mapping[str, Category],
    _names: Mapping[str, str],
) -> list[str]:
    return unknown_category_names(name, _data, _categories, _names, **READ_LIMITS)


def unknown_categories(upload: tuple[str, bytes, str], assumptions: Assumptions) -> list[str]:
    """The upload's category names that the session's categories and names do not know."""
    name, data, data_key = upload
    tables = (sorted(assumptions.categories.items()), sorted(assumptions.category_names.items()))
    categories_key = digest(repr(tables).encode("utf-8"))
    return _unknown_categories(
        data_key, name, categories_key, data, assumptions.categories, assumptions.category_names
    )


@contextlib.contextmanager
def _progress_bar() -> Iterator[Callable[[float, str], None]]:
    # Created inside the cached function: Streamlit replays a cached function's elements,
    # and a bar made outside it could not be replayed. Emptied at the end, so a cache hit
    # replays to nothing.
    bar = st.progress(0.0, text=t("progress.start"))

    def report(done: float, step: str) -> None:
        bar.progress(min(max(done, 0.0), 1.0), text=t("progress.step", step=label("step", step)))

    try:
        yield report
    finally:
        bar.empty()


@st.cache_data(show_spinner=False, max_entries=8, ttl=CACHE_TTL)
def _evaluate(
    lots_key: str, a_key: str, _lots: pd.DataFrame, _a: Assumptions
) -> tuple[ValuationResult | None, Problems | None]:
    with _progress_bar() as report:
        try:
            return evaluate(_lots, _a, progress=report), None
        except InputError as exc:
            return None, exc.problems


def valuation(given: Inputs) -> tuple[ValuationResult | None, Problems | None]:
    """Evaluate (cached), with a progress bar: the result, or the lots' problems."""
    return _evaluate(given.lots_key, given.assumptions_key, given.lots, given.assumptions)


@st.cache_data(show_spinner=False, max_entries=4, ttl=CACHE_TTL)
def _stress(
    lots_key: str, a_key: str, _lots: pd.DataFrame, _a: Assumptions, _base: ValuationResult
) -> StressResult:
    with _progress_bar() as report:
        return stress_test(_lots, _a, base=_base, progress=report)


def stress(given: Inputs, base: ValuationResult) -> StressResult:
    """The standard stresses on the base's random numbers (cached), with a progress bar."""
    return _stress(given.lots_key, given.assumptions_key, given.lots, given.assumptions, base)


@st.cache_data(show_spinner=False, max_entries=8, ttl=CACHE_TTL)
def _decay(lots_key: str, a_key: str, _lots: pd.DataFrame, _a: Assumptions) -> pd.DataFrame:
    return value_decay(_lots, _a)


def decay(given: Inputs) -> pd.DataFrame:
    """Value decay per category and month (cached)."""
    return _decay(given.lots_key, given.assumptions_key, given.lots, given.assumptions)


@st.cache_data(show_spinner=False, max_entries=8, ttl=CACHE_TTL)
def _haircuts(lots_key: str, a_key: str, _lots: pd.DataFrame, _a: Assumptions) -> pd.DataFrame:
    return haircut_profile(_lots, _a)


def haircuts(given: Inputs) -> pd.DataFrame:
    """Haircut against horizon and confidence (cached)."""
    return _haircuts(given.lots_key, given.assumptions_key, given.lots, given.assumptions)


@st.cache_data(show_spinner=False, max_entries=8, ttl=CACHE_TTL)
def _drivers(
    lots_key: str, a_key: str, _lots: pd.DataFrame, _a: Assumptions
) -> tuple[LossDrivers | None, Problems | None]:
    try:
        return loss_drivers(_lots, _a, scales=()), None
    except InputError as exc:
        return None, exc.problems


def drivers(given: Inputs) -> tuple[LossDrivers | None, Problems | None]:
    """The expected holding loss split by driver, without the grid (cached), or problems.

    Three runs of the holding schedule: cheap beside the valuation.
    """
    return _drivers(given.lots_key, given.assumptions_key, given.lots, given.assumptions)


@st.cache_data(show_spinner=False, max_entries=8, ttl=CACHE_TTL)
def _demand_grid(
    lots_key: str, a_key: str, _lots: pd.DataFrame, _a: Assumptions
) -> tuple[pd.DataFrame | None, Problems | None]:
    try:
        return demand_sensitivity(_lots, _a), None
    except InputError as exc:
        return None, exc.problems


def demand_grid(given: Inputs) -> tuple[pd.DataFrame | None, Problems | None]:
    """The 95% holding loss against demand volatility and correlation (cached), or problems.

    One run of the holding schedule per point (20 points): about 0.5 s for the sample's
    240 lots, 3 s at 100,000 lots and 13 s at 480,000.
    """
    return _demand_grid(given.lots_key, given.assumptions_key, given.lots, given.assumptions)


@st.cache_data(show_spinner=False, max_entries=8, ttl=CACHE_TTL)
def _memo(
    lots_key: str,
    a_key: str,
    lang: str,
    identity_key: str,
    _result: ValuationResult,
    _a: Assumptions,
    _identity: Mapping[str, str],
) -> bytes:
    return credit_memo(_result, _a, lang=lang, identity=_identity)


@functools.cache
def package_version() -> str:
    """The installed package's version ("" when it is run from a checkout not installed)."""
    try:
        return importlib.metadata.version("inventory-financing-evaluator")
    except importlib.metadata.PackageNotFoundError:
        return ""


def memo_pdf(
    given: Inputs,
    result: ValuationResult,
    lang: str,
    identity: Mapping[str, str] | None = None,
) -> bytes:
    """The PDF credit memo of the session's valuation in ``lang`` (cached).

    Safe on a download's own thread (no element is drawn); ``identity`` is shown on the
    memo's first page (:func:`finance.report.memo.credit_memo`).
    """
    identity = dict(identity or {})
    identity_key = digest(repr(sorted(identity.items())).encode("utf-8"))
    return _memo(
        given.lots_key,
        given.assumptions_key,
        lang,
        identity_key,
        result,
        given.assumptions,
        identity,
    )
