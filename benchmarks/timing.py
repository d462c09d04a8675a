"""The one way the benchmarks time a call: the median wall-clock time over repeats."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_time(run: Callable[[], object], repeat: int) -> float:
    """Median wall-clock seconds of ``repeat`` calls of ``run``.

    Parameters
    ----------
    run : callable
        Called with no arguments; its result is ignored.
    repeat : int
        How many calls (at least 1).

    Returns
    -------
    float
        Seconds.
    """
    times = []
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
