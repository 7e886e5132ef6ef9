"""cdisckit.background: a forked process's result, errors, death and cancellation."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from cdisckit import background
from specs.errors import InputError

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork here: jobs run in this process")


def _frame(rows):
    return pd.DataFrame({"USUBJID": [f"S-{i:03d}" for i in range(rows)], "AVAL": [i / 4 for i in range(rows)]})


def _pid_and_frame(rows):
    return os.getpid(), _frame(rows)


def test_the_result_comes_back_from_another_process():
    pid, frame = background.start(_pid_and_frame, 3).result()
    assert pid != os.getpid()
    assert frame.to_dict("list") == {"USUBJID": ["S-000", "S-001", "S-002"], "AVAL": [0.0, 0.25, 0.5]}


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return len(text)


def test_files_the_child_writes_are_there_when_its_result_is(tmp_path):
    job = background.start(_write, tmp_path / "a.txt", "written by the child")
    assert job.result() == 20
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "written by the child"


def _refuse(name):
    raise InputError(f"{name}: row 4: value 'X' is not in codelist NY")


def test_an_input_error_is_raised_again_in_the_parent_with_the_childs_traceback():
    job = background.start(_refuse, "ae.csv")
    with pytest.raises(InputError, match=r"^ae\.csv: row 4: value 'X' is not in codelist NY$") as caught:
        job.result()
    cause = caught.value.__cause__
    assert isinstance(cause, background.BackgroundError)
    assert "_refuse" in str(cause) and "Traceback" in str(cause)


def _die():
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_child_that_dies_is_an_error_saying_how():
    with pytest.raises(background.BackgroundError, match="killed by signal 9"):
        background.start(_die).result()


def _unpicklable():
    return lambda: None


def test_a_result_that_cannot_cross_the_pipe_is_an_error():
    with pytest.raises(background.BackgroundError, match="cannot be sent back"):
        background.start(_unpicklable).result()


def _sleep_and_report(seconds):
    time.sleep(seconds)
    return os.getpid()


def test_jobs_still_running_when_the_block_fails_are_killed():
    with pytest.raises(ValueError, match="the main process failed"):
        with background.Jobs() as jobs:
            job = jobs.start(_sleep_and_report, 60)
            raise ValueError("the main process failed")
    with pytest.raises(background.BackgroundError, match="cancelled"):
        job.result()


def test_a_job_collected_in_the_block_is_not_disturbed_by_its_end():
    with background.Jobs() as jobs:
        job = jobs.start(_sleep_and_report, 0)
        pid = job.result()
    assert pid != os.getpid() and job.result() == pid


def _append(items, value):
    items.append(value)
    return len(items)


def test_not_parallel_runs_each_job_at_once_in_this_process():
    items = []
    with background.Jobs(parallel=False) as jobs:
        assert jobs.start(_append, items, "x").result() == 1
    assert items == ["x"]                  # this process's list: the job ran here
    assert background.start(_append, items, "y").result() == 2
    assert items == ["x"]                  # a forked child appended to its own copy


class _Picky(Exception):
    """An exception pickle can write but not rebuild (its __init__ wants two arguments)."""

    def __init__(self, file, row):
        super().__init__(f"{file}: row {row}")


def _raise_picky():
    raise _Picky("lb.csv", 7)


def test_an_outcome_that_cannot_be_rebuilt_is_an_error_not_a_crash():
    with pytest.raises(background.BackgroundError, match="outcome cannot be read"):
        background.start(_raise_picky).result()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_child_dies_with_its_killed_parent():
    program = ("import sys, time\n"
               f"sys.path.insert(0, {str(Path(background.__file__).parents[1])!r})\n"
               "from cdisckit import background\n"
               "print(background.start(time.sleep, 60)._pid, flush=True)\n"
               "time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    for _ in range(50):           # gone, or a zombie waiting for init to reap it: not running
        try:
            state = Path(f"/proc/{child}/status").read_text().split("State:")[1].split()[0]
        except (FileNotFoundError, IndexError):
            return
        if state == "Z":
            return
        time.sleep(0.1)
    pytest.fail(f"process {child} still runs after its parent was killed (state {state})")
