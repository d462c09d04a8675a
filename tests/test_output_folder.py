"""The output folder (finance/report/output.py): checks before a run, the staged swap."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from finance.errors import InputError
from finance.report.output import MARKER, Staging, is_ours, output_problems, replacing
from tests.hostile import unwritable


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes)."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if ".partial-" in p.name or ".previous-" in p.name]


def previous_run(folder: Path) -> Path:
    """A folder as an earlier run left it."""
    folder.mkdir()
    (folder / MARKER).write_text("earlier run\n")
    (folder / "lots.csv").write_text("old lots\n")
    (folder / "stress.csv").write_text("old stress\n")
    return folder


def codes(problems) -> list[str]:
    return [p.code for p in problems]


# ---------------------------------------------------------------------------- the checks


def test_a_new_folder_an_empty_one_and_an_earlier_run_are_fine(tmp_path):
    assert output_problems(tmp_path / "new") == []
    assert output_problems(tmp_path / "a" / "b" / "new") == []  # parents made on success
    (tmp_path / "empty").mkdir()
    assert output_problems(tmp_path / "empty") == []
    assert output_problems(previous_run(tmp_path / "run")) == []


def test_a_file_is_refused(tmp_path):
    (tmp_path / "out").write_text("mine")
    (problem,) = output_problems(tmp_path / "out")
    assert problem.code == "problem.out_is_file"
    assert problem.file == str(tmp_path / "out")
    assert str(problem).endswith("is a file, not a folder: --out names the folder the results "
                                 "are written to")  # fmt: skip
    assert "是文件而不是文件夹" in problem.render("zh")


def test_a_folder_of_other_files_is_refused(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    (problem,) = output_problems(tmp_path / "mine")
    assert problem.code == "problem.out_not_ours"
    assert MARKER in str(problem) and MARKER in problem.render("zh")
    # A marker that is not a file does not make the folder ours.
    (tmp_path / "mine" / "notes.txt").unlink()
    (tmp_path / "mine" / MARKER).mkdir()
    assert codes(output_problems(tmp_path / "mine")) == ["problem.out_not_ours"]


def test_a_parent_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    (problem,) = output_problems(tmp_path / "file" / "sub" / "out")
    assert problem.code == "problem.out_parent_is_file"
    assert problem.file == str(tmp_path / "file")


def test_a_folder_holding_an_input_is_refused(tmp_path):
    run = previous_run(tmp_path / "run")
    (run / "stock.csv").write_text("sku\n")
    (problem,) = output_problems(run, inputs=[run / "stock.csv", tmp_path / "a.toml"])
    assert problem.code == "problem.out_holds_input"
    assert "stock.csv" in str(problem)


def test_a_mount_point_is_refused():
    assert "problem.out_mount_point" in codes(output_problems("/"))


def test_a_parent_that_cannot_be_written_is_refused_before_the_block(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    with unwritable(locked), pytest.raises(InputError) as info, replacing(locked / "out"):
        pytest.fail("the block must not run")
    (problem,) = info.value.problems
    assert problem.code == "problem.out_not_writable"
    assert problem.file == str(locked)
    # EACCES for a mode a user may not write in, EPERM for an immutable folder (root).
    assert "permission denied" in str(problem)
    assert "没有写入权限" in problem.render("zh")
    assert list(locked.iterdir()) == []


def test_a_link_to_a_folder_names_the_folder(tmp_path):
    run = previous_run(tmp_path / "run")
    (tmp_path / "latest").symlink_to(run)
    assert output_problems(tmp_path / "latest") == []
    with replacing(tmp_path / "latest") as staging:
        (staging / "lots.csv").write_text("new")
    assert (tmp_path / "latest").is_symlink()
    assert sorted(snapshot(run)) == [MARKER, "lots.csv"]
    assert leftovers(tmp_path) == []


def test_is_ours(tmp_path):
    assert is_ours(tmp_path)
    (tmp_path / "x").write_text("")
    assert not is_ours(tmp_path)
    (tmp_path / MARKER).write_text("")
    assert is_ours(tmp_path)


# ---------------------------------------------------------------------------- the swap


def test_success_replaces_the_folder_whole(tmp_path):
    out = previous_run(tmp_path / "out")
    with replacing(out) as staging:
        assert staging.parent == tmp_path and staging.name.startswith(".out.partial-")
        (staging / "lots.csv").write_text("new lots\n")
    # No stress.csv of the earlier run beside the new lots.csv; the marker written anew.
    assert sorted(snapshot(out)) == [MARKER, "lots.csv"]
    assert (out / "lots.csv").read_text() == "new lots\n"
    assert "python -m finance evaluate" in (out / MARKER).read_text()
    assert leftovers(tmp_path) == []


def test_a_failure_leaves_the_previous_folder_as_it_was(tmp_path):
    out = previous_run(tmp_path / "out")
    before = snapshot(out)
    stamp = os.stat(out / "lots.csv").st_mtime_ns
    with pytest.raises(RuntimeError), replacing(out) as staging:
        (staging / "lots.csv").write_text("half written")
        raise RuntimeError("writing failed")
    assert snapshot(out) == before
    assert os.stat(out / "lots.csv").st_mtime_ns == stamp
    assert leftovers(tmp_path) == []


def test_an_interrupt_leaves_the_previous_folder_as_it_was(tmp_path):
    out = previous_run(tmp_path / "out")
    before = snapshot(out)
    with pytest.raises(KeyboardInterrupt), replacing(out):
        raise KeyboardInterrupt
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []


def test_missing_parents_are_made_only_on_success(tmp_path):
    target = tmp_path / "a" / "b" / "out"
    with pytest.raises(RuntimeError), replacing(target):
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []
    with replacing(target) as staging:
        assert staging.parent == tmp_path  # the nearest folder that exists
        (staging / "lots.csv").write_text("x")
    assert sorted(snapshot(target)) == [MARKER, "lots.csv"]
    assert leftovers(tmp_path) == []


def test_a_refused_folder_is_refused_before_the_block(tmp_path):
    (tmp_path / "out").write_text("mine")
    entered = False
    with pytest.raises(InputError) as info, replacing(tmp_path / "out"):
        entered = True
    assert not entered
    assert codes(info.value.problems) == ["problem.out_is_file"]
    assert (tmp_path / "out").read_text() == "mine"
    assert leftovers(tmp_path) == []


def test_a_folder_that_changed_meanwhile_is_not_replaced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    staging = Staging(out)
    (staging.folder / "lots.csv").write_text("new")
    (out / "notes.txt").write_text("written while the run went on")
    with pytest.raises(InputError) as info:
        staging.publish()
    staging.discard()
    assert codes(info.value.problems) == ["problem.out_not_ours"]
    assert snapshot(out) == {"notes.txt": b"written while the run went on"}
    assert leftovers(tmp_path) == []


def test_the_output_folder_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        with replacing(tmp_path / "out") as staging:
            (staging / "lots.csv").write_text("x")
    finally:
        os.umask(umask)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755  # not mkdtemp's 0o700
