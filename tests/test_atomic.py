"""Output folders are replaced in one step: the complete old one or the
complete new one, never a mix; leftovers of a killed run are cleaned up."""

import os

import pytest

import specs.atomic as atomic
from specs.atomic import atomic_folder

DEAD_PID = 999_999_999          # above any Linux pid_max


def _tree(folder):
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def _old(tmp_path):
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (out / "a.txt").write_text("old a")
    (out / "b.txt").write_text("old b")
    (out / "sub" / "c.xpt").write_text("old c")
    return out


@pytest.mark.parametrize("exchange", [True, False], ids=["rename-exchange", "two-renames"])
def test_new_files_replace_old_ones_and_unwritten_ones_are_kept(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    out = _old(tmp_path)
    before = os.stat(out).st_ino
    with atomic_folder(out) as new:
        (new / "a.txt").write_text("new a")
        (new / "d.txt").write_text("new d")
        assert _tree(out) == {"a.txt": "old a", "b.txt": "old b", "sub/c.xpt": "old c"}
    assert _tree(out) == {"a.txt": "new a", "b.txt": "old b", "d.txt": "new d", "sub/c.xpt": "old c"}
    assert os.stat(out).st_ino != before          # a different folder took its place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_keep_decides_which_old_files_are_carried_over(tmp_path):
    out = _old(tmp_path)
    with atomic_folder(out, keep=lambda relative: relative.suffix != ".xpt") as new:
        (new / "a.txt").write_text("new a")
    assert _tree(out) == {"a.txt": "new a", "b.txt": "old b"}


def test_a_failing_block_leaves_the_old_folder_and_nothing_beside_it(tmp_path):
    out = _old(tmp_path)
    with pytest.raises(RuntimeError):
        with atomic_folder(out) as new:
            (new / "a.txt").write_text("new a")
            raise RuntimeError("stop")
    assert _tree(out) == {"a.txt": "old a", "b.txt": "old b", "sub/c.xpt": "old c"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_new_folder_is_renamed_into_place(tmp_path):
    with atomic_folder(tmp_path / "deep" / "out") as new:
        (new / "x").write_text("x")
    assert _tree(tmp_path / "deep" / "out") == {"x": "x"}


def test_leftovers_of_killed_runs_are_cleaned_and_a_folder_moved_aside_comes_back(tmp_path):
    out = _old(tmp_path)
    build = tmp_path / f".out.{DEAD_PID}.k1.tmp"         # killed while building
    (build / "sub").mkdir(parents=True)
    (build / "sub" / "half.xpt").write_text("half")
    aside = tmp_path / f".out.{DEAD_PID}.k2.old"          # killed between the two renames
    os.makedirs(aside)
    os.rename(out, aside / "old")
    live = tmp_path / f".out.{os.getpid()}.k3.tmp"        # a running process's build: left alone
    live.mkdir()
    with atomic_folder(out) as new:
        assert _tree(out) == {"a.txt": "old a", "b.txt": "old b", "sub/c.xpt": "old c"}
        (new / "a.txt").write_text("new a")
    assert _tree(out) == {"a.txt": "new a", "b.txt": "old b", "sub/c.xpt": "old c"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name, "out"]
