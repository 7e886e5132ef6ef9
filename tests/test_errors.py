"""The command line's error contract: bad input exit 2 on one line, a bug
exit 3 on one line (traceback only with --debug), and every writing command
refuses an unwritable output before any work."""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

import sdtm.algorithms as algorithms
from cdisckit.cli import main
from sdtm.engine import map_study
from specs import load_study
from specs.errors import InputError

ROOT = Path(__file__).resolve().parents[1]

STUDY = {
    "study.yaml": """\
        studyid: ERR
        title: Errors
        protocol: ERR-1
        standards: [{id: IG, name: SDTMIG, version: "3.4"}]
        """,
    "sdtm/DM.yaml": """\
        name: DM
        label: Demographics
        keys: [USUBJID]
        mapping: {sources: [{form: enrol}]}
        variables:
          - {name: USUBJID, label: Unique Subject Identifier, mapping: {algorithm: assign, column: SUBJ}}
          - {name: RFSTDTC, label: Start, mapping: MAPPING}
        """,
}
RAW = {"enrol": pd.DataFrame({"SUBJ": ["A", "B", "C"], "D1": ["2021-01-01", "", "2021-03-01"],
                              "D2": ["2021-02-01", "2021-01-15", ""]}, index=[2, 3, 4])}


def _study(tmp_path, mapping):
    for name, text in STUDY.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).replace("MAPPING", mapping), encoding="utf-8")
    return load_study(tmp_path)


@pytest.mark.parametrize("how, expected", [("max", ["2021-02-01", "2021-01-15", "2021-03-01"]),
                                           ("min", ["2021-01-01", "2021-01-15", "2021-03-01"])])
def test_extreme_skips_blanks_on_any_pandas(tmp_path, how, expected):
    study = _study(tmp_path, f"{{algorithm: extreme, how: {how}, values: [{{column: D1}}, {{column: D2}}]}}")
    assert map_study(study, RAW, ["DM"])["DM"]["RFSTDTC"].tolist() == expected


def test_a_wrong_parameter_is_a_spec_error_naming_the_path(tmp_path):
    """Caught when the engine calls the algorithm too, for specs built in memory."""
    study = _study(tmp_path, "{algorithm: extreme, values: [{column: D1}]}")
    study.datasets["DM"].variables[1].mapping["largest"] = True
    with pytest.raises(InputError, match=r"DM.yaml: variables\[1\].mapping: bad parameters for algorithm "
                                         r"'extreme': got an unexpected keyword argument 'largest'"):
        map_study(study, RAW, ["DM"])


def test_a_failure_inside_an_algorithm_is_not_an_input_error(tmp_path, monkeypatch):
    def broken(block, values, how="max"):
        raise TypeError("'>=' not supported between instances of 'str' and 'float'")
    monkeypatch.setitem(algorithms.ALGORITHMS, "extreme", broken)
    study = _study(tmp_path, "{algorithm: extreme, values: [{column: D1}]}")
    with pytest.raises(TypeError):
        map_study(study, RAW, ["DM"])


def _crashing_dump(monkeypatch):
    import cdisckit.commands.dump as command

    def crash(args):
        raise ValueError("could not convert string to float:\n'x'")
    monkeypatch.setattr(command, "dump_file", crash)


def test_an_internal_error_is_exit_3_on_one_line_without_traceback(monkeypatch, capsys, tmp_path):
    _crashing_dump(monkeypatch)
    assert main(["xpt", "dump", str(tmp_path / "x.xpt")]) == 3
    err = capsys.readouterr().err
    assert err == ("cdisckit xpt: internal error: ValueError: could not convert string to float: 'x' "
                   "(please report; --debug shows the traceback)\n")


def test_debug_shows_the_traceback(monkeypatch, capsys, tmp_path):
    _crashing_dump(monkeypatch)
    assert main(["--debug", "xpt", "dump", str(tmp_path / "x.xpt")]) == 3
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):") and "in crash" in err
    assert err.splitlines()[-1] == "cdisckit xpt: internal error: ValueError: could not convert string to " \
                                   "float: 'x' (please report)"


WRITERS = ["run", "simulate", "sdtm", "adam", "define", "check", "spec export", "spec import",
           "spec from-define"]


def _writers(target, tmp_path):
    """Every writing command with ``target`` as its output; inputs exist but are never read."""
    xlsx = tmp_path / "specs.xlsx"
    xlsx.write_bytes(b"")
    define = tmp_path / "define.xml"
    define.write_text("<x/>")
    commands = {
        "run": ["run", "--out", str(target)],
        "simulate": ["simulate", "--out", str(target)],
        "sdtm": ["sdtm", "--study", "camrelizumab-npc", "--raw", str(tmp_path), "--out", str(target)],
        "adam": ["adam", "--study", "camrelizumab-npc", "--sdtm", str(tmp_path), "--out", str(target)],
        "define": ["define", "--study", "camrelizumab-npc", "--data", str(tmp_path), "--standard", "sdtm",
                   "--out", str(target / "define.xml")],
        "check": ["check", str(tmp_path), "--report", str(target / "report.json")],
        "spec export": ["spec", "export", "camrelizumab-npc", "--out", str(target / "specs.xlsx")],
        "spec import": ["spec", "import", str(xlsx), "--out", str(target)],
        "spec from-define": ["spec", "from-define", str(define), "--out", str(target)],
    }
    assert list(commands) == WRITERS
    return commands


@pytest.mark.parametrize("command", WRITERS)
def test_an_output_in_place_of_a_file_is_refused_at_once(tmp_path, capsys, command):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder must go")
    start = time.monotonic()
    assert main(_writers(blocker, tmp_path)[command]) == 2
    assert time.monotonic() - start < 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(blocker) in err and "not a folder" in err, err
    assert blocker.read_text() == "a file where a folder must go"


@pytest.mark.parametrize("command", ["define", "check", "spec export"])
def test_a_folder_in_place_of_an_output_file_is_refused(tmp_path, capsys, command):
    args = _writers(tmp_path / "out", tmp_path)[command]
    Path(args[-1]).mkdir(parents=True)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a folder, not a file" in err, err


@pytest.mark.parametrize("command", WRITERS)
def test_an_unwritable_place_is_refused_at_once(tmp_path, capsys, command):
    # /sys refuses new entries even to root (a chmod'ed folder would not stop root)
    if not os.path.isdir("/sys/kernel") or os.access("/sys/kernel", os.W_OK) and _can_create("/sys/kernel"):
        pytest.skip("no read-only place on this machine")
    start = time.monotonic()
    assert main(_writers(Path("/sys/kernel/cdisckit-out"), tmp_path)[command]) == 2
    assert time.monotonic() - start < 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write in /sys/kernel" in err, err


def _can_create(folder):
    try:
        os.rmdir(os.path.join(folder, ".cdisckit-probe"))
    except OSError:
        pass
    try:
        os.mkdir(os.path.join(folder, ".cdisckit-probe"))
    except OSError:
        return False
    os.rmdir(os.path.join(folder, ".cdisckit-probe"))
    return True


def test_run_on_an_unwritable_place_exits_2_as_a_process(tmp_path):
    """The whole process as a user starts it: exit 2, one line, nothing on stdout
    (its time is the imports', the check itself is timed in-process above)."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    done = subprocess.run([sys.executable, "-m", "cdisckit.cli", "run", "--out", str(blocker / "sub")],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"cdisckit run: error: {blocker / 'sub'}: {blocker} is not a folder (--out)\n"
