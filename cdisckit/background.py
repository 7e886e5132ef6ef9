"""Work done in a second process while this one goes on, so a run uses two cores.

``start(function, *args)`` forks: the child runs the function on a copy of
this process's memory (nothing is pickled on the way in) and sends back its
result, or its exception, pickled through a pipe; ``Job.result()`` waits for
it. The child dies with its parent (Linux ``PR_SET_PDEATHSIG``), so a killed
run leaves no process writing into its staging folder. Where ``os.fork`` does
not exist the function runs at once, in this process: same results, one core.
"""

import ctypes
import os
import pickle
import signal
import sys
import traceback

_PR_SET_PDEATHSIG = 1


class BackgroundError(RuntimeError):
    """The background process died, or raised something that cannot cross a pipe."""


class Job:
    """A function's outcome, ready now or when its process ends."""

    def __init__(self, pid=None, reader=None, outcome=None):
        self._pid, self._reader, self._outcome = pid, reader, outcome

    def cancel(self):
        """Kill the process if it still runs (its result is not wanted)."""
        if self._pid is not None:
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            os.close(self._reader)
            self._pid = None
            self._outcome = ("error", BackgroundError("cancelled"), "")

    def result(self):
        """The function's return value; its exception is raised here, with the
        child's traceback as the cause (``--debug`` shows it)."""
        if self._pid is not None:
            with os.fdopen(self._reader, "rb") as pipe:
                data = pipe.read()
            _, status = os.waitpid(self._pid, 0)
            self._pid = None
            self._outcome = _received(data, status)
        kind, value, text = self._outcome
        if kind == "error":
            raise value from (BackgroundError(text) if text else None)
        return value


class Jobs:
    """Jobs started in a ``with`` block: whatever still runs when the block
    ends (say, on an error) is killed, so nothing writes on after it.
    ``parallel=False`` runs each job at once, in this process."""

    def __init__(self, parallel=True):
        self._jobs, self._parallel = [], parallel

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for job in self._jobs:
            job.cancel()

    def start(self, function, *args, **kwargs):
        """``start`` a job that belongs to this block."""
        job = start(function, *args, **kwargs) if self._parallel else Job(outcome=_outcome(function, args, kwargs))
        self._jobs.append(job)
        return job


def start(function, *args, **kwargs):
    """Run ``function(*args, **kwargs)`` in a forked process; a ``Job`` for its outcome."""
    if not hasattr(os, "fork"):
        return Job(outcome=_outcome(function, args, kwargs))
    sys.stdout.flush()
    sys.stderr.flush()
    reader, writer = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid:
        os.close(writer)
        return Job(pid, reader)
    code = 0
    try:
        os.close(reader)
        _die_with_parent(parent)
        outcome = _outcome(function, args, kwargs)
        try:
            data = pickle.dumps(outcome)
        except Exception:
            data = pickle.dumps(("error", BackgroundError(f"{outcome[1]!r} cannot be sent back"), outcome[2]))
        with os.fdopen(writer, "wb") as pipe:
            pipe.write(data)
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _die_with_parent(parent):
    """Have the kernel kill this child when ``parent`` ends (Linux); gone already: end now."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _outcome(function, args, kwargs):
    try:
        return ("ok", function(*args, **kwargs), "")
    except Exception as exc:
        return ("error", exc, traceback.format_exc())


def _received(data, status):
    """The (kind, value, traceback text) a child sent, or an error saying how it died."""
    if data:
        try:
            return pickle.loads(data)
        except Exception as exc:     # e.g. an exception class that cannot be rebuilt from its args
            return ("error", BackgroundError(f"the background process's outcome cannot be read: {exc}"), "")
    if os.WIFSIGNALED(status):
        how = f"was killed by signal {os.WTERMSIG(status)}"
    else:
        how = f"exited with status {os.WEXITSTATUS(status)} without a result"
    return ("error", BackgroundError(f"the background process {how}"), "")
