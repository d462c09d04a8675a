"""The output folder of a run: every file of it appears together, or nothing changes.

A run writes its files into a fresh staging folder made beside the output folder ``DIR``
(in the same parent, so on the same file system) and, only once every file is written,
puts that folder in ``DIR``'s place: the previous ``DIR`` is renamed aside, the new one
renamed in, the previous one removed. So

- a failed run (bad input, an error while writing, an interrupt) leaves ``DIR`` exactly as
  it was and removes its staging folder;
- a successful run leaves only its own files: no ``stress.csv`` of an earlier run beside a
  new ``lots.csv``.

Replacing a folder whole deletes what was in it, so a run replaces only a folder it may
own: one that does not exist yet, an empty one, or one that holds the marker file
:data:`MARKER` that every run writes. A folder with other files and no marker (a typo such
as ``--out .`` or ``--out ~/Documents``) is refused, as is a file, a mount point, or a
folder that holds the run's own input. Anything in a marked folder is the tool's: a user's
file put there is removed by the next run.

These checks run right after the command line is parsed, before anything is read or
valued (:func:`output_problems`), and again just before the swap, in case the folder
changed while the valuation ran. Each problem is an :class:`finance.errors.Problem` (the
command line exits 2 with it), in English or Chinese.

The swap is two renames; between them, for an instant, ``DIR`` does not exist. A reader
never sees a mix of two runs' files. A run killed outright (``kill -9``, a power cut)
cannot clean up: it may leave a hidden ``.DIR.partial-*`` folder beside ``DIR``, which
the next run does not touch and which may be deleted.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from finance.errors import InputError, Problem
from finance.locale import Text

#: The file every run writes into its output folder: a non-empty folder without it is not
#: the tool's, and is never replaced.
MARKER = ".finance-output"
MARKER_TEXT = (
    "This folder is the output of `python -m finance evaluate`.\n"
    "Every run replaces the whole folder: keep no other files in it.\n"
    "本文件夹由 `python -m finance evaluate` 生成，每次运行都会整体替换，请勿在其中存放其他文件。\n"
)
#: What the staging and the set-aside folders are called: hidden, beside DIR, named after it.
PARTIAL = "partial"
PREVIOUS = "previous"

# An operating system's reason, in the user's words: errno -> (English, catalog code).
_REASONS = {
    errno.EACCES: ("permission denied", "problem.out_reason_denied"),
    errno.EPERM: ("permission denied", "problem.out_reason_denied"),
    errno.EROFS: ("read-only file system", "problem.out_reason_read_only"),
    errno.ENOSPC: ("no space left on the disk", "problem.out_reason_no_space"),
    errno.EDQUOT: ("disk quota exceeded", "problem.out_reason_quota"),
}


def _reason(exc: OSError) -> Text:
    english, code = _REASONS.get(exc.errno or 0, (exc.strerror or str(exc), ""))
    return Text(english, code)


def _real(path: Path) -> Path:
    """``path`` absolute, with symbolic links followed: a link to a folder names the folder."""
    return Path(os.path.realpath(path))


def _nearest_existing(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists (the root, at worst)."""
    while not os.path.lexists(path) and path.parent != path:
        path = path.parent
    return path


def is_ours(folder: Path) -> bool:
    """Whether a run may replace ``folder``: empty, or holding the :data:`MARKER` file."""
    marker = folder / MARKER
    if marker.is_file() and not marker.is_symlink():
        return True
    with os.scandir(folder) as entries:
        return next(entries, None) is None


def _folder_problems(target: Path, shown: str) -> list[Problem]:
    """What stops a run from replacing ``target`` (the real path of ``shown``)."""
    if not target.exists():
        base = _nearest_existing(target.parent)
        if not base.is_dir():
            return [
                Problem(str(base), Text(
                    f"is a file, so the output folder {shown} cannot be made in it",
                    "problem.out_parent_is_file", out=shown,
                ))
            ]  # fmt: skip
        return _writable_problems(base, shown)
    if not target.is_dir():
        return [
            Problem(shown, Text(
                "is a file, not a folder: --out names the folder the results are written to",
                "problem.out_is_file",
            ))
        ]  # fmt: skip
    if os.path.ismount(target):
        return [
            Problem(shown, Text(
                "is a mount point, which a run cannot replace: give a folder inside it",
                "problem.out_mount_point",
            ))
        ]  # fmt: skip
    try:
        ours = is_ours(target)
    except OSError as exc:
        return [_not_writable(target, shown, exc)]
    if not ours:
        return [
            Problem(shown, Text(
                f"holds other files and no {MARKER} file, which every run writes: a run "
                "replaces its output folder whole, so give a new or empty folder, or one "
                "an earlier run wrote",
                "problem.out_not_ours", marker=MARKER,
            ))
        ]  # fmt: skip
    return _writable_problems(target.parent, shown)


def _writable_problems(folder: Path, shown: str) -> list[Problem]:
    # os.access answers for the real user, and root passes it everywhere (a read-only or
    # immutable folder included): making the staging folder (Staging) is the final word.
    if os.access(folder, os.W_OK | os.X_OK):
        return []
    return [_not_writable(folder, shown, PermissionError(errno.EACCES, "permission denied"))]


def _not_writable(folder: Path, shown: str, exc: OSError) -> Problem:
    reason = _reason(exc)
    return Problem(str(folder), Text(
        f"cannot be written to ({reason}), so the output folder {shown} cannot be made there",
        "problem.out_not_writable", out=shown, reason=reason,
    ))  # fmt: skip


def output_problems(out: str | Path, inputs: Sequence[str | Path] = ()) -> list[Problem]:
    """Every reason a run could not write its output folder ``out``, found before it starts.

    Parameters
    ----------
    out : str or Path
        The output folder as the user gave it (``--out``); problems name it so.
    inputs : sequence of str or Path
        The files the run reads: none may be inside ``out``, which the run replaces.

    Returns
    -------
    list of Problem
        Empty when the run may go ahead. Checks: ``out`` is not a file or a mount point;
        an existing ``out`` is empty or holds :data:`MARKER`; the folder that will hold it
        (its parent, or the nearest existing ancestor when the parents are to be made) is
        a folder the user may write in; no input lies inside ``out``.
    """
    shown = str(out)
    target = _real(Path(out))
    problems = _folder_problems(target, shown)
    for path in inputs:
        if target in _real(Path(path)).parents:
            problems.append(
                Problem(shown, Text(
                    f"holds the input file {path}, and a run replaces its output folder "
                    "whole: give another --out",
                    "problem.out_holds_input", input=str(path),
                ))
            )  # fmt: skip
    return problems


def _fresh_folder(parent: Path, name: str, kind: str) -> Path:
    """Make a new hidden folder ``.NAME.KIND-XXXXXXXX`` in ``parent`` and return it.

    Made with the default permissions (the user's umask), unlike :func:`tempfile.mkdtemp`'s
    owner-only ones: the staging folder becomes the output folder as it is.
    """
    stem = f".{name[:80]}.{kind}-"
    for _ in range(100):
        path = parent / (stem + secrets.token_hex(4))
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise FileExistsError(errno.EEXIST, "no free name for a staging folder", str(parent))


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise InputError(problems)


def replace_file(target: str | Path, data: bytes) -> None:
    """Write ``data`` to ``target`` whole or not at all: a temporary file beside it, renamed.

    A failed write leaves an earlier ``target`` as it was and no temporary file behind.

    Raises
    ------
    OSError
        When the folder is missing or not writable.
    """
    target = Path(target)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_failed(out: str | Path, folder: Path, exc: OSError) -> InputError:
    """The problem of a write that the system refused (no space, permission), as an error."""
    return InputError([_not_writable(folder, str(out), exc)])


class Staging:
    """A run's staging folder beside its output folder; see the module's docstring.

    Parameters
    ----------
    out : str or Path
        The output folder as the user gave it.
    inputs : sequence of str or Path
        The files the run reads (see :func:`output_problems`).

    Raises
    ------
    InputError
        When ``out`` may not be replaced or the staging folder cannot be made.

    Attributes
    ----------
    folder : Path
        Where the run writes its files.
    """

    def __init__(self, out: str | Path, inputs: Sequence[str | Path] = ()):
        self.shown = str(out)
        self.target = _real(Path(out))
        _raise_if(output_problems(out, inputs))
        # Beside DIR when its parent exists, else in the nearest ancestor that does (the
        # missing parents are made only when the run succeeds): the same file system.
        self.base = _nearest_existing(self.target.parent)
        try:
            self.folder = _fresh_folder(self.base, self.target.name, PARTIAL)
        except OSError as exc:
            raise write_failed(out, self.base, exc) from exc
        self.published = False

    def publish(self) -> None:
        """Put the staging folder in the output folder's place (the previous one removed).

        Raises
        ------
        InputError
            When the output folder changed while the run went on so that it may no longer
            be replaced, or the system refuses a rename; the previous folder is then as it
            was.
        """
        _raise_if(_folder_problems(self.target, self.shown))
        (self.folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            previous = self._set_aside()
            try:
                os.rename(self.folder, self.target)
            except OSError:
                if previous is not None:  # put the previous output back as it was
                    os.rename(previous / self.target.name, self.target)
                    previous.rmdir()
                raise
        except OSError as exc:
            raise write_failed(self.shown, self.target.parent, exc) from exc
        self.published = True
        if previous is not None:
            # The new output is in place; a file that cannot be removed (a read-only
            # sub-folder a user put there) is left in the hidden set-aside folder.
            shutil.rmtree(previous, ignore_errors=True)

    def _set_aside(self) -> Path | None:
        """Move the previous output (if any) into a fresh hidden folder; return that folder.

        Moved into a folder just made, not renamed to a name of its own: no one else can
        take the name meanwhile.
        """
        if not os.path.lexists(self.target):
            return None
        previous = _fresh_folder(self.target.parent, self.target.name, PREVIOUS)
        try:
            os.rename(self.target, previous / self.target.name)
        except OSError:
            previous.rmdir()
            raise
        return previous

    def discard(self) -> None:
        """Remove the staging folder and what was written in it (nothing once published)."""
        if not self.published:
            shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def replacing(out: str | Path, inputs: Sequence[str | Path] = ()) -> Iterator[Path]:
    """Stage a run's files and put them in ``out``'s place when the block ends normally.

    Parameters
    ----------
    out : str or Path
        The output folder, as the user gave it.
    inputs : sequence of str or Path
        The files the run reads: none may be inside ``out``.

    Yields
    ------
    Path
        The staging folder to write every file of the run into.

    Raises
    ------
    InputError
        Before the block, when ``out`` may not be replaced or its parent not written
        (see :func:`output_problems`); after it, when the swap cannot be made. On any
        error, in the block or after it, ``out`` stays as it was and the staging folder is
        removed.
    """
    staging = Staging(out, inputs)
    try:
        yield staging.folder
        staging.publish()
    finally:
        staging.discard()
