"""The QuantLib gate: one lock around the process-global evaluation date."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading

import pytest
import QuantLib as ql

from finance import _ql

D1, D2 = dt.date(2026, 11, 24), dt.date(2030, 1, 2)


def race() -> list[dt.date]:
    """Thread A holds the gate at D1 while thread B tries to enter at D2.

    Returns the evaluation dates A sees inside its block before and after giving B the
    chance to get in. With the lock, B waits for A and A sees D1 twice; without it, B
    changes the global date under A.
    """
    a_inside, b_inside, a_looked = threading.Event(), threading.Event(), threading.Event()
    seen: list[dt.date] = []

    def a() -> None:
        with _ql.quantlib_at(D1):
            seen.append(_ql.from_ql_date(ql.Settings.instance().evaluationDate))
            a_inside.set()
            b_inside.wait(timeout=0.5)  # times out with the lock: B is blocked
            seen.append(_ql.from_ql_date(ql.Settings.instance().evaluationDate))
            a_looked.set()

    def b() -> None:
        a_inside.wait(timeout=5)
        with _ql.quantlib_at(D2):
            b_inside.set()
            a_looked.wait(timeout=5)

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    return seen


def test_the_lock_keeps_another_thread_out_of_the_block():
    before = ql.Settings.instance().evaluationDate
    assert race() == [D1, D1]
    assert ql.Settings.instance().evaluationDate == before


def test_without_the_lock_the_race_is_seen(monkeypatch):
    # The test above can fail: with the lock replaced by nothing, B moves the date under A.
    monkeypatch.setattr(_ql, "_LOCK", contextlib.nullcontext())
    assert race() == [D1, D2]


@pytest.mark.parametrize("day", [D1, D2, dt.date(2000, 2, 29)])
def test_settings_restored_after_the_block(day):
    before = ql.Settings.instance().evaluationDate
    with _ql.quantlib_at(day) as inside:
        assert inside == ql.Settings.instance().evaluationDate == _ql.to_ql_date(day)
    assert ql.Settings.instance().evaluationDate == before


def test_settings_restored_after_an_error():
    before = ql.Settings.instance().evaluationDate
    with pytest.raises(RuntimeError), _ql.quantlib_at(D2):
        raise RuntimeError("boom")
    assert ql.Settings.instance().evaluationDate == before
    # And the lock was released: another thread can take it.
    done = threading.Event()

    def enter() -> None:
        with _ql.quantlib_at(D1):
            done.set()

    thread = threading.Thread(target=enter)
    thread.start()
    thread.join(timeout=5)
    assert done.is_set()
