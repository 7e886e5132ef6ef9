"""Write files and folders so that a failure leaves nothing half-written.

Every writer in the project goes through these: a file is written beside its
target and renamed into place; a folder of outputs is built in a temporary
sibling and swapped in only when complete.
"""

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from .errors import InputError


@contextlib.contextmanager
def atomic_file(path, mode="wb"):
    """Open a temporary file beside ``path``; rename it over ``path`` on success.
    A target that cannot be created at all is bad input (``InputError``)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    os.chmod(tmp, 0o666 & ~_umask())   # mkstemp's 0600 would hide outputs from other users
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": "\n"})) as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path, data):
    """Write ``data`` to ``path`` atomically."""
    with atomic_file(path, "wb") as handle:
        handle.write(data)


def write_text(path, text):
    """Write UTF-8 ``text`` to ``path`` atomically, with LF line ends."""
    with atomic_file(path, "w") as handle:
        handle.write(text)


@contextlib.contextmanager
def atomic_folder(path):
    """Yield a temporary folder that replaces ``path`` once the block succeeds.

    Files already in ``path`` that the block does not write are kept; on
    failure ``path`` is left exactly as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp
        _merge_into(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _merge_into(src, dest):
    """Move every file of ``src`` into ``dest``, each by an atomic rename."""
    for item in sorted(Path(src).rglob("*")):
        target = dest / item.relative_to(src)
        if item.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(item, target)
