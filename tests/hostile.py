"""Run the command line as a user would, in a child process held to a memory limit.

The hostile-input tests (``tests/test_hostile_*.py``) feed the CLI inputs built to cost
memory or time. Each runs ``python -m finance`` in a child whose address space is capped
(``RLIMIT_AS``), so that a regression shows as a clear failure (exit code 1 or a kill)
instead of taking the machine down, and asserts the exit code and the message.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Address space the child may map, MiB. Python with numpy, pandas, pyarrow and QuantLib
#: maps several hundred MiB of address space before reading anything (thread stacks and shared
#: libraries count), so the cap is the budget of the input's own work on top of that.
DEFAULT_LIMIT_MB = 1536


def _limit(megabytes: int):
    def apply() -> None:
        size = megabytes * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (size, size))

    return apply


def run_cli(
    args: Sequence[str],
    *,
    limit_mb: int = DEFAULT_LIMIT_MB,
    timeout: float = 120.0,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m finance ARGS`` in a child held to ``limit_mb`` MiB of address space.

    Parameters
    ----------
    args : sequence of str
        The command line after ``python -m finance``.
    limit_mb : int
        The child's address-space limit, MiB.
    timeout : float
        Seconds before the child is killed (``subprocess.TimeoutExpired``).
    cwd : Path, optional
        Working folder (default: the repository root).
    env : dict, optional
        Extra environment variables.

    Returns
    -------
    subprocess.CompletedProcess
        With ``returncode``, ``stdout`` and ``stderr`` as text.
    """
    environment = {
        **os.environ,
        # One thread per pool: every thread's stack counts against the address space.
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONPATH": str(ROOT),
        "LANG": "C.UTF-8",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "finance", *args],
        cwd=cwd or ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_limit(limit_mb),
        check=False,
    )


@contextlib.contextmanager
def unwritable(folder: Path) -> Iterator[None]:
    """``folder`` refuses new entries for the block, for root too; skips the test if it cannot.

    A mode of 0o555 stops a normal user; root passes any mode, so for root the folder is
    made immutable (``chattr +i``, which needs a file system that has the attribute).
    """
    if os.geteuid() != 0:
        mode = folder.stat().st_mode
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(folder)], check=False,
                                         capture_output=True).returncode:  # fmt: skip
        pytest.skip("running as root, and the folder cannot be made immutable")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True, capture_output=True)
