"""Specification of doseplan.output: atomic writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from doseplan.errors import UsageError
from doseplan.output import emit, write_atomic


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
