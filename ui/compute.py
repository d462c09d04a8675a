"""Cached calls into finance, keyed on the inputs' content.

Keys are digests of what the user gave (the upload's bytes, the assumptions as canonical
TOML), so one changed cell is a new key (Streamlit samples large objects when it hashes
them; see ``runner.cacheHashSeed``), and arguments that are only derived from a key are
passed with a leading underscore so that Streamlit does not hash them. The cache is shared
by every session; finance takes QuantLib's lock itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from finance import Assumptions, InputError, ValuationResult, evaluate, load_inventory
from finance.assumptions import parse_assumptions
from finance.categories import Category
from finance.export.assumptions_toml import assumptions_toml
from finance.paths import DATA_DIR
from finance.profiles import haircut_profile, value_decay
from finance.stress import StressResult, stress_test
from ui.i18n import label, t

SAMPLE_FILE = DATA_DIR / "sample_inventory.csv"
#: Largest upload the inventory page accepts, MB (also server.maxUploadSize).
MAX_UPLOAD_MB = 50
#: Most lots the app values (the command line takes more).
MAX_LOTS = 500_000


def digest(data: bytes) -> str:
    """SHA-256 of some bytes, as hex: the cache key of an upload or a document."""
    return hashlib.sha256(data).hexdigest()


@st.cache_data(show_spinner=False, max_entries=32)
def _assumptions(
    doc_key: str, _doc: Mapping[str, Any]
) -> tuple[Assumptions | None, pd.DataFrame | None]:
    try:
        return parse_assumptions(_doc, file="app"), None
    except InputError as exc:
        return None, exc.to_frame()


def assumptions_from(doc: Mapping[str, Any]) -> tuple[Assumptions | None, pd.DataFrame | None]:
    """Merge the user's document onto the defaults: the assumptions, or the problems."""
    # The default valuation date is today's, so the day is part of the key.
    key = repr(sorted(doc.items(), key=lambda kv: kv[0])) + time.strftime("%Y-%m-%d")
    return _assumptions(digest(key.encode("utf-8")), doc)


def assumptions_key(assumptions: Assumptions) -> str:
    """The assumptions' canonical key (the digest of their full TOML document)."""
    return digest(assumptions_toml(assumptions))


@st.cache_data(show_spinner=False, max_entries=16)
def _inventory(
    data_key: str, name: str, categories_key: str, _data: bytes, _categories: Mapping[str, Category]
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    try:
        lots = load_inventory(
            _data,
            name=name,
            categories=_categories,
            max_bytes=MAX_UPLOAD_MB * 2**20,
            max_rows=MAX_LOTS,
        )
        return lots, None
    except InputError as exc:
        return None, exc.to_frame()


def inventory_from(
    upload: tuple[str, bytes] | None, assumptions: Assumptions
) -> tuple[pd.DataFrame | None, pd.DataFrame | None, str]:
    """Validate the upload (or the sample): the lots or the problems, and the lots' key."""
    name, data = upload if upload is not None else (SAMPLE_FILE.name, SAMPLE_FILE.read_bytes())
    categories_key = digest(repr(sorted(assumptions.categories.items())).encode("utf-8"))
    data_key = digest(data)
    lots, problems = _inventory(data_key, name, categories_key, data, assumptions.categories)
    return lots, problems, digest(f"{data_key}:{name}:{categories_key}".encode())


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


@st.cache_data(show_spinner=False, max_entries=8)
def _evaluate(
    lots_key: str, a_key: str, _lots: pd.DataFrame, _a: Assumptions
) -> tuple[ValuationResult | None, pd.DataFrame | None]:
    with _progress_bar() as report:
        try:
            return evaluate(_lots, _a, progress=report), None
        except InputError as exc:
            return None, exc.to_frame()


def valuation(
    lots_key: str, lots: pd.DataFrame, assumptions: Assumptions
) -> tuple[ValuationResult | None, pd.DataFrame | None]:
    """Evaluate (cached), with a progress bar: the result, or the lots' problems."""
    return _evaluate(lots_key, assumptions_key(assumptions), lots, assumptions)


@st.cache_data(show_spinner=False, max_entries=4)
def _stress(
    lots_key: str, a_key: str, _lots: pd.DataFrame, _a: Assumptions, _base: ValuationResult
) -> StressResult:
    with _progress_bar() as report:
        return stress_test(_lots, _a, base=_base, progress=report)


def stress(
    lots_key: str, lots: pd.DataFrame, assumptions: Assumptions, base: ValuationResult
) -> StressResult:
    """The standard stresses on the base's random numbers (cached), with a progress bar."""
    return _stress(lots_key, assumptions_key(assumptions), lots, assumptions, base)


@st.cache_data(show_spinner=False, max_entries=8)
def _decay(lots_key: str, a_key: str, _lots: pd.DataFrame, _a: Assumptions) -> pd.DataFrame:
    return value_decay(_lots, _a)


def decay(lots_key: str, lots: pd.DataFrame, assumptions: Assumptions) -> pd.DataFrame:
    """Value decay per category and month (cached)."""
    return _decay(lots_key, assumptions_key(assumptions), lots, assumptions)


@st.cache_data(show_spinner=False, max_entries=8)
def _haircuts(lots_key: str, a_key: str, _lots: pd.DataFrame, _a: Assumptions) -> pd.DataFrame:
    return haircut_profile(_lots, _a)


def haircuts(lots_key: str, lots: pd.DataFrame, assumptions: Assumptions) -> pd.DataFrame:
    """Haircut against horizon and confidence (cached)."""
    return _haircuts(lots_key, assumptions_key(assumptions), lots, assumptions)
