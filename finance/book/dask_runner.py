"""Running the borrowers' valuations on Dask: an embedded local cluster or a scheduler's.

What travels to the workers is plain data: each borrower's lots (a DataFrame) and
assumptions (a frozen dataclass of numbers and strings), and the shared scenarios' numpy
arrays, scattered once to every worker (``broadcast=True``). QuantLib objects are built
inside the workers, by ``evaluate`` as always.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from finance.errors import InputError, Problem
from finance.locale import Text


@contextmanager
def dask_client(scheduler: str | None = None, workers: int = 2) -> Iterator[Any]:
    """A ``distributed.Client``: on ``scheduler`` when given, else on a local cluster.

    The local cluster runs ``workers`` worker processes of one thread each, no dashboard.

    Raises
    ------
    InputError
        ``workers`` below 1, or a scheduler that cannot be reached.
    """
    if workers < 1:
        message = Text("--workers must be at least 1", "problem.book_workers")
        raise InputError([Problem("command line", message)])
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=20)
        except (OSError, TimeoutError, ValueError) as exc:
            message = Text(
                f"cannot reach the Dask scheduler {scheduler}: {exc}",
                "problem.book_scheduler",
                address=scheduler,
                error=str(exc),
            )
            raise InputError([Problem("--scheduler", message)]) from None
        try:
            yield client
        finally:
            client.close()
        return
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # no fixed port (8787 may be taken)
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def run_tasks(
    client: Any,
    function: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    shared: Any,
    progress: Callable[[int, int], None] | None = None,
) -> list[Any]:
    """``function(*task, shared)`` for each task on the cluster, results in the tasks' order.

    ``shared`` (the scenarios) is scattered once to every worker, not sent with each task.
    ``progress(done, total)``, when given, is called in the caller's thread once before the
    first task completes (``done`` 0) and then as each task completes, in completion order.
    """
    if not tasks:
        return []
    on_workers = client.scatter(shared, broadcast=True, hash=False)
    futures = [client.submit(function, *task, on_workers, pure=False) for task in tasks]
    if progress is None:
        return client.gather(futures)
    from distributed import as_completed

    total = len(futures)
    progress(0, total)
    for done, _ in enumerate(as_completed(futures), start=1):
        progress(done, total)
    return client.gather(futures)
