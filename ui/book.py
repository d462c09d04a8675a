"""The Book page's inputs and its cached valuation (:mod:`finance.book` on Dask).

A book is a set of files: one manifest (TOML) and the inventories it names. They come as
several uploads, as one zip holding them, or as the demo book ``write_book`` generates;
the page keeps them as ``{name: bytes}`` with the digest of them all, which keys the
cached valuation. The valuation writes the files into a temporary folder, reads the
manifest there and values the book on an embedded local cluster, showing the cluster's
progress as the borrowers complete.
"""

from __future__ import annotations

import functools
import hashlib
import io
import tempfile
import tomllib
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

import streamlit as st

from finance.book import read_manifest, value_book
from finance.book.book import BookResult
from finance.errors import InputError
from finance.inputs.reading import zip_entries
from finance.inputs.sample import write_book
from finance.report.assumptions_toml import assumptions_toml
from ui.compute import CACHE_TTL, MAX_UPLOAD_MB, Problems
from ui.i18n import t

#: The demo book: borrowers and lots each (the second borrower pledges two of the first's).
DEMO_BORROWERS = 4
DEMO_LOTS = 200
#: Worker processes of the embedded cluster.
WORKERS = 2
#: File types the book's uploader takes: the manifest, the inventories, or a zip of them.
TYPES = ("toml", "csv", "xlsx", "parquet", "zip")
#: What a zip may hold: files, and bytes unpacked in all (each file is also held to the
#: upload limit).
MAX_ZIP_FILES = 1_000
MAX_ZIP_BYTES = 4 * MAX_UPLOAD_MB * 2**20
#: The manifest's name when a book has more than one TOML file.
MANIFEST = "manifest.toml"

#: A book's files: name (a relative path) -> bytes.
Files = dict[str, bytes]


class BookFilesError(Exception):
    """The files cannot make a book: the argument is the message, in the session's language."""


def digest_files(files: Mapping[str, bytes]) -> str:
    """SHA-256 over the files' names and bytes, in name order: the valuation's cache key."""
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode("utf-8") + b"\0")
        h.update(hashlib.sha256(files[name]).digest())
    return h.hexdigest()


def _safe_name(name: str) -> str | None:
    """A zip member's name as a relative POSIX path, or None when it would leave the folder."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or any(part in ("", "..") for part in path.parts) or not path.parts:
        return None
    return str(path)


def read_zip(data: bytes) -> Files:
    """The files of a zip, within bounds, counted as declared and as read.

    At most :data:`MAX_ZIP_FILES` parts (counted from the end record before the directory
    is read), each at most the upload limit and :data:`MAX_ZIP_BYTES` in all.

    Raises
    ------
    BookFilesError
        Not a zip, too many parts, too large, or a name that leaves the folder.
    """
    entries = zip_entries(data)
    if entries is not None and entries > MAX_ZIP_FILES:
        raise BookFilesError(t("book.zip_too_many", n=f"{entries:,}", limit=f"{MAX_ZIP_FILES:,}"))
    limit = MAX_UPLOAD_MB * 2**20
    files: Files = {}
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = [p for p in archive.infolist() if not p.is_dir()]
            if len(parts) > MAX_ZIP_FILES:
                raise BookFilesError(
                    t("book.zip_too_many", n=f"{len(parts):,}", limit=f"{MAX_ZIP_FILES:,}")
                )
            for part in parts:
                name = _safe_name(part.filename)
                if name is None:
                    raise BookFilesError(t("book.zip_bad_name", name=part.filename))
                if name.startswith("__MACOSX/"):
                    continue
                if part.file_size > limit or total + part.file_size > MAX_ZIP_BYTES:
                    raise BookFilesError(t("book.zip_too_large", mb=MAX_ZIP_BYTES >> 20))
                with archive.open(part) as handle:
                    content = handle.read(limit + 1)
                if len(content) > limit or total + len(content) > MAX_ZIP_BYTES:
                    raise BookFilesError(t("book.zip_too_large", mb=MAX_ZIP_BYTES >> 20))
                total += len(content)
                files[name] = content
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise BookFilesError(t("book.zip_unreadable")) from None
    return files


def files_from_uploads(uploads: Sequence[tuple[str, bytes]]) -> Files:
    """The book's files from the uploads: a zip's files, the other files by their names."""
    files: Files = {}
    for name, data in uploads:
        if name.lower().endswith(".zip"):
            files |= read_zip(data)
        else:
            files[PurePosixPath(name.replace("\\", "/")).name] = data
    return files


def manifest_name(files: Mapping[str, bytes]) -> str:
    """The book's manifest among its files: the only TOML file, else ``manifest.toml``.

    Raises
    ------
    BookFilesError
        No TOML file, or several and none called ``manifest.toml``.
    """
    tomls = sorted(n for n in files if n.lower().endswith(".toml"))
    if not tomls:
        raise BookFilesError(t("book.no_manifest"))
    if len(tomls) == 1:
        return tomls[0]
    named = [n for n in tomls if PurePosixPath(n).name == MANIFEST]
    if len(named) != 1:
        raise BookFilesError(t("book.many_manifests", files=", ".join(tomls)))
    return named[0]


@functools.cache
def _demo(borrowers: int, lots: int) -> tuple[tuple[str, bytes], ...]:
    with tempfile.TemporaryDirectory() as tmp:
        write_book(tmp, borrowers, lots)
        return tuple(sorted((p.name, p.read_bytes()) for p in Path(tmp).iterdir()))


def demo_files(name_of: str) -> Files:
    """The demo book's files, its borrowers named ``name_of.format(n="01")`` and so on."""
    files = dict(_demo(DEMO_BORROWERS, DEMO_LOTS))
    text = files[MANIFEST].decode("utf-8")
    for i in range(DEMO_BORROWERS):
        n = f"{i + 1:02d}"
        text = text.replace(f'name = "borrower_{n}"', f'name = "{name_of.format(n=n)}"')
    files[MANIFEST] = text.encode("utf-8")
    return files


@dataclass(frozen=True)
class Book:
    """A book valued, as the page shows it.

    Attributes
    ----------
    result : BookResult or None
        The valuation (its shared scenarios dropped: not shown, and large); None when the
        manifest itself has problems.
    problems : tuple of Problem or None
        The manifest's problems (the book was not valued).
    scenarios : int
        Shared scenarios the borrowers were valued on.
    inventories : dict of str to str
        Each borrower's inventory file, as a name among the book's files.
    assumptions : dict of str to bytes
        Each valid borrower's assumptions as TOML (shared ones, overrides, loan terms).
    """

    result: BookResult | None
    problems: Problems | None
    scenarios: int = 0
    inventories: Mapping[str, str] | None = None
    assumptions: Mapping[str, bytes] | None = None


def _value(files: Mapping[str, bytes], manifest: str) -> Book:
    bar = st.progress(0.0, text=t("book.progress_start"))

    def report(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=t("book.progress", done=done, n=total))

    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            for name, data in files.items():
                path = root / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            try:
                book = read_manifest(root / manifest)
            except InputError as exc:
                return Book(None, exc.problems)
            bar.progress(0.0, text=t("book.progress_cluster", workers=WORKERS))
            result = value_book(book, workers=WORKERS, progress=report)
            inventories = {}
            for b in book.borrowers:
                try:
                    inventories[b.name] = b.inventory.relative_to(root.resolve()).as_posix()
                except ValueError:
                    continue
            assumptions = {
                b.name: assumptions_toml(b.assumptions)
                for b in book.borrowers
                if b.assumptions is not None
            }
        scenarios = result.shared.n_scenarios if result.shared is not None else 0
        return Book(replace(result, shared=None), None, scenarios, inventories, assumptions)
    finally:
        bar.empty()


@st.cache_data(show_spinner=False, max_entries=4, ttl=CACHE_TTL)
def _valued(files_key: str, manifest: str, _files: Mapping[str, bytes]) -> Book:
    return _value(_files, manifest)


def valued(files: Mapping[str, bytes], files_key: str) -> Book:
    """The book of these files valued (cached by their digest), with the cluster's progress.

    Raises
    ------
    BookFilesError
        No manifest among the files.
    """
    return _valued(files_key, manifest_name(files), files)


def assumptions_doc(toml: bytes) -> dict:
    """A borrower's assumptions as the session's assumptions document."""
    return tomllib.loads(toml.decode("utf-8"))
