"""The one gate to QuantLib's process-global state.

QuantLib's evaluation date is a process-wide singleton (the PyPI wheels are built without
sessions) and Streamlit serves every browser session from a thread of one process. Every
QuantLib call in this package therefore runs inside :func:`quantlib_at`, which holds one
re-entrant lock and restores the global settings on exit (``ql.SavedSettings``). Build and
use QuantLib objects inside the block and return plain floats and arrays, never QuantLib
objects: they are neither thread-safe nor picklable.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterator

import QuantLib as ql

_LOCK = threading.RLock()


def to_ql_date(d: dt.date) -> ql.Date:
    """Convert a ``datetime.date`` to a ``ql.Date``."""
    return ql.Date(d.day, d.month, d.year)


def from_ql_date(d: ql.Date) -> dt.date:
    """Convert a ``ql.Date`` to a ``datetime.date``."""
    return dt.date(d.year(), d.month(), d.dayOfMonth())


@contextlib.contextmanager
def quantlib_at(valuation_date: dt.date) -> Iterator[ql.Date]:
    """Hold the QuantLib lock with the evaluation date set to ``valuation_date``.

    Parameters
    ----------
    valuation_date : datetime.date
        The date QuantLib treats as today inside the block.

    Yields
    ------
    ql.Date
        The evaluation date as a QuantLib date.
    """
    with _LOCK, ql.SavedSettings():
        qd = to_ql_date(valuation_date)
        ql.Settings.instance().evaluationDate = qd
        yield qd


@contextlib.contextmanager
def quantlib_lock() -> Iterator[None]:
    """Hold the QuantLib lock without touching the evaluation date."""
    with _LOCK:
        yield
