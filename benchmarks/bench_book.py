"""Time the lender's book on Dask against the same borrowers valued one after another.

Usage::

    python benchmarks/bench_book.py [--borrowers 200] [--lots 5000] [--workers 2]

Writes a book with ``finance.inputs.sample.write_book`` (CSV inventories and a manifest)
into a temporary folder, then:

- *book*: ``value_book`` on an embedded local cluster of ``--workers`` processes: reading
  every inventory, drawing the shared scenarios once, starting the cluster, valuing every
  borrower on it (the cluster's start is also shown apart);
- *sequential*: in a fresh process, the same reading and the same shared draw
  (``prepare_book``), then ``evaluate(lots, assumptions, scenarios=shared)`` for each
  borrower in turn, in that one process.

Prints a Markdown table (seconds, the per-borrower cost of ``evaluate`` alone, and the peak
resident memory of each process) that README's Performance section quotes and
docs/book-scaling.md starts from.

``--probe LOTS`` measures instead one borrower of LOTS lots: ``evaluate`` on a shared set
drawn for it, at each of ``--probe-scenarios`` (median of 3, each scenario count in a fresh
process for its peak memory), and the shared set's size pickled (what is broadcast to
every worker)::

    python benchmarks/bench_book.py --probe 20000 --probe-scenarios 2000 10000
"""

from __future__ import annotations

import argparse
import multiprocessing
import pickle
import resource
import sys
import tempfile
import time
from typing import Any

from finance.book import read_manifest, value_book
from finance.book.book import prepare_book
from finance.book.dask_runner import dask_client
from finance.evaluate import evaluate
from finance.inputs.sample import write_book


def _peak_mb() -> float:
    """This process's peak resident memory, MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _sequential(manifest_path: str, out: Any) -> None:
    """Read, draw once, then evaluate every borrower in turn; report the times in ``out``."""
    start = time.perf_counter()
    book = prepare_book(read_manifest(manifest_path))
    prepared = time.perf_counter() - start
    start = time.perf_counter()
    for lots, assumptions, _loan in book.ready.values():
        evaluate(lots, assumptions, scenarios=book.shared)
    valued = time.perf_counter() - start
    out.put({"prepare": prepared, "evaluate": valued, "peak_mb": _peak_mb()})


def _probe(manifest_path: str, out: Any) -> None:
    """One borrower: the shared draw, then ``evaluate`` three times; times, sizes, memory."""
    import statistics

    book = prepare_book(read_manifest(manifest_path))
    ((lots, assumptions, _loan),) = book.ready.values()
    times = []
    for _ in range(3):
        start = time.perf_counter()
        evaluate(lots, assumptions, scenarios=book.shared)
        times.append(time.perf_counter() - start)
    size = len(pickle.dumps(book.shared, protocol=5))  # what is scattered to each worker
    out.put({"evaluate": statistics.median(times), "shared_mb": size / 2**20,
             "peak_mb": _peak_mb()})  # fmt: skip


def probe(lots: int, scenarios: list[int]) -> None:
    """Print the per-borrower cost of ``evaluate`` at ``lots`` lots for each scenario count."""
    print("| lots | scenarios | `evaluate` median (s) | shared set (MB) | peak memory (MB) |")
    print("|---:|---:|---:|---:|---:|")
    context = multiprocessing.get_context("spawn")
    for n in scenarios:
        with tempfile.TemporaryDirectory() as tmp:
            path = write_book(tmp, 1, lots, scenarios=n)
            queue = context.Queue()
            child = context.Process(target=_probe, args=(str(path), queue))
            child.start()
            got = queue.get()
            child.join()
        print(f"| {lots:,} | {n:,} | {got['evaluate']:.3f} | {got['shared_mb']:,.1f} | "
              f"{got['peak_mb']:,.0f} |")  # fmt: skip


def _worker_peak_mb() -> float:
    import resource as r

    return r.getrusage(r.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--borrowers", type=int, default=200)
    parser.add_argument("--lots", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scenarios", type=int, default=2000)
    parser.add_argument("--probe", type=int, metavar="LOTS")
    parser.add_argument("--probe-scenarios", type=int, nargs="+", default=[2000, 10000])
    args = parser.parse_args()
    if args.probe:
        probe(args.probe, args.probe_scenarios)
        return
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        path = write_book(tmp, args.borrowers, args.lots, scenarios=args.scenarios)
        written = time.perf_counter() - start
        print(f"wrote {args.borrowers} x {args.lots:,} lots in {written:.1f} s", file=sys.stderr)

        # Sequential first, in its own process, so its peak memory is its own.
        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        child = context.Process(target=_sequential, args=(str(path), queue))
        child.start()
        seq = queue.get()
        child.join()
        seq_total = seq["prepare"] + seq["evaluate"]
        print(f"sequential: {seq}", file=sys.stderr)

        start = time.perf_counter()
        manifest = read_manifest(path)
        marks: dict[int, float] = {}

        def progress(done: int, total: int) -> None:
            marks.setdefault(done, time.perf_counter())

        with dask_client(None, args.workers) as client:
            started = time.perf_counter() - start
            begin = time.perf_counter()
            result = value_book(manifest, client=client, progress=progress)
            end = time.perf_counter()
            workers_mb = max(client.run(_worker_peak_mb).values())
        book_total = time.perf_counter() - start
        # Reading and the shared draw (up to the tasks' submission), the cluster's work (to
        # the last borrower back), then the double pledges and the result's assembly.
        submitted = marks[0] - begin
        on_cluster = marks[args.borrowers] - marks[0]
        assembled = end - marks[args.borrowers]
        assert len(result.valued) == args.borrowers, result.failed
        print(f"book: {book_total:.1f} s (cluster start {started:.1f} s)", file=sys.stderr)

    n, lots = args.borrowers, args.lots
    per = seq["evaluate"] / n
    print(
        "| borrowers | lots each | scenarios | book on Dask, "
        f"{args.workers} workers (s) | cluster start | reading + shared draw | valuation on "
        "the cluster | double pledges + assembly | sequential, one process (s) | reading + "
        "shared draw | per-borrower `evaluate` (s) | peak memory: book's process / largest "
        "worker / sequential (MB) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    print(
        f"| {n:,} | {lots:,} | {args.scenarios:,} | **{book_total:.1f}** | {started:.1f} | "
        f"{submitted:.1f} | {on_cluster:.1f} | {assembled:.1f} | **{seq_total:.1f}** | "
        f"{seq['prepare']:.1f} | {per:.3f} | "
        f"{_peak_mb():,.0f} / {workers_mb:,.0f} / {seq['peak_mb']:,.0f} |"
    )


if __name__ == "__main__":
    main()
