"""Specification of doseplan.output: atomic writes."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import pytest

from doseplan.errors import UsageError
from doseplan.output import emit, write_atomic, write_atomic_bytes


def test_write_atomic_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    """The new text replaces the old one and no temporary file is left behind."""
    target = tmp_path / "plan.txt"
    target.write_text("old\n")
    write_atomic(target, "new ü\n")
    assert target.read_text(encoding="utf-8") == "new ü\n"
    assert os.listdir(tmp_path) == ["plan.txt"]


def test_a_failure_before_the_rename_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the rename fails, the old file is intact and the temporary file is removed."""
    target = tmp_path / "plan.txt"
    target.write_text("old\n")

    def fail(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(UsageError) as caught:
        write_atomic(target, "new\n")
    assert str(caught.value) == f"cannot write {target}: disk full; check the folder"
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["plan.txt"]


def test_writing_to_a_folder_is_refused(tmp_path: Path) -> None:
    """-o naming a folder is a usage error, not a crash."""
    with pytest.raises(UsageError) as caught:
        write_atomic(tmp_path, "x")
    assert str(caught.value) == f"cannot write {tmp_path}: it is a folder; give a file name"


def test_emit_writes_stdout_for_none_and_dash(capsys: pytest.CaptureFixture[str]) -> None:
    """No output path, or '-', means standard output."""
    emit("a\n", None)
    emit("b\n", "-")
    assert capsys.readouterr().out == "a\nb\n"


# ---------------------------------------------------------------------------
# What the user named stays what it was


def test_a_link_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    """The file a symbolic link points to is replaced; the link is not."""
    (tmp_path / "target.txt").write_text("old")
    (tmp_path / "link.txt").symlink_to("target.txt")
    write_atomic(tmp_path / "link.txt", "new")
    assert (tmp_path / "link.txt").is_symlink()
    assert (tmp_path / "target.txt").read_text() == "new"


def test_a_dangling_link_creates_its_target(tmp_path: Path) -> None:
    (tmp_path / "link.txt").symlink_to("made.txt")
    write_atomic(tmp_path / "link.txt", "new")
    assert (tmp_path / "link.txt").is_symlink()
    assert (tmp_path / "made.txt").read_text() == "new"


def test_a_device_is_written_to_not_replaced() -> None:
    """/dev/null receives the bytes and stays a device."""
    write_atomic(Path("/dev/null"), "anything")
    assert Path("/dev/null").is_char_device()


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "plan.txt"
    target.write_text("old")
    target.chmod(0o640)
    write_atomic(target, "new")
    assert target.stat().st_mode & 0o777 == 0o640


def test_a_new_file_gets_its_permissions_from_the_umask(tmp_path: Path) -> None:
    """Not 0600 whatever the umask: a calendar shared in a clinic folder stays readable."""
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "plan.txt", "new")
    finally:
        os.umask(old)
    assert (tmp_path / "plan.txt").stat().st_mode & 0o777 == 0o640


def test_an_exclusive_write_never_replaces_a_file(tmp_path: Path) -> None:
    """exclusive: refused when the name exists, even as a dangling link; nothing left."""
    (tmp_path / "p.json").symlink_to("nowhere")
    with pytest.raises(UsageError) as caught:
        write_atomic_bytes(tmp_path / "p.json", b"{}", exclusive=True)
    assert str(caught.value) == (
        f"cannot write {tmp_path / 'p.json'}: it already exists; give a new file name")
    assert sorted(os.listdir(tmp_path)) == ["p.json"]


def test_an_exclusive_write_loses_a_race_cleanly(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process creates the file between the check and the link: refused."""
    target = tmp_path / "p.json"
    real_link = os.link

    def racing(source: str, destination: str) -> None:
        Path(destination).write_text("the other one")
        real_link(source, destination)

    monkeypatch.setattr(os, "link", racing)
    with pytest.raises(UsageError):
        write_atomic_bytes(target, b"mine", exclusive=True)
    assert target.read_text() == "the other one"
    assert sorted(os.listdir(tmp_path)) == ["p.json"]


def test_a_check_before_the_rename_can_stop_the_write(tmp_path: Path) -> None:
    """before_rename raising leaves the old file and no temporary file."""
    target = tmp_path / "p.json"
    target.write_text("old")

    def changed() -> None:
        raise UsageError("changed meanwhile")

    with pytest.raises(UsageError):
        write_atomic_bytes(target, b"new", before_rename=changed)
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["p.json"]


# ---------------------------------------------------------------------------
# Temporary files left by a killed write


def leftover(folder: Path, name: str, age: float) -> Path:
    """A temporary file of a write to NAME that was killed ``age`` seconds ago."""
    path = folder / f".{name}.{os.urandom(4).hex()}.tmp"
    path.write_bytes(b"half a plan")
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_a_killed_writes_temporary_file_is_removed_by_the_next_write(tmp_path: Path) -> None:
    stale = leftover(tmp_path, "plan.txt", age=3600)
    write_atomic(tmp_path / "plan.txt", "new")
    assert not stale.exists()
    assert os.listdir(tmp_path) == ["plan.txt"]


def test_a_running_writes_temporary_file_is_kept(tmp_path: Path) -> None:
    """Locked by its writer (or just made): another write leaves it alone."""
    busy = leftover(tmp_path, "plan.txt", age=3600)
    fresh = leftover(tmp_path, "plan.txt", age=0)
    fd = os.open(busy, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        write_atomic(tmp_path / "plan.txt", "new")
    finally:
        os.close(fd)
    assert busy.exists()
    assert fresh.exists()


def test_only_temporary_files_of_the_same_target_are_touched(tmp_path: Path) -> None:
    other = leftover(tmp_path, "other.txt", age=3600)
    write_atomic(tmp_path / "plan.txt", "new")
    assert other.exists()
