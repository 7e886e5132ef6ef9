"""Write files and folders so that a failure leaves nothing half-written.

Every writer in the project goes through these: a file is written beside its
target and renamed into place; a folder of outputs is built in a temporary
sibling and swapped in only when complete, by one rename. ``check_folder`` and
``check_file`` tell before any work whether an output can be written.
"""

import contextlib
import ctypes
import errno
import functools
import glob
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
def atomic_folder(path, keep=lambda relative: True):
    """Yield a temporary folder that replaces ``path`` in one step once the block succeeds.

    The new folder is built beside ``path``; files of the old one that the
    block did not write (and that ``keep(relative_path)`` accepts) are linked
    into it; then the two are swapped by one atomic rename-exchange, so a kill
    at any instant leaves either the complete old folder or the complete new
    one. What a killed run left beside ``path`` is cleaned up by the next.
    """
    path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    _clean_leftovers(path)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        yield tmp
        if path.is_dir():
            _carry_over(path, tmp, keep)
        _swap_in(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _carry_over(old, new, keep):
    """Hard-link (or copy) into ``new`` the files of ``old`` it lacks and ``keep`` accepts."""
    for folder, dirs, files in os.walk(old):
        relative = Path(folder).relative_to(old)
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            target = new / relative / name
            if os.path.lexists(target) or not keep(relative / name):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(os.path.join(folder, name), target, follow_symlinks=False)
            except OSError:
                shutil.copy2(os.path.join(folder, name), target, follow_symlinks=False)


def _swap_in(new, path):
    """Put folder ``new`` at ``path``; the old folder (if any) ends up at ``new``."""
    if not os.path.lexists(path):
        os.rename(new, path)
    elif not _exchange(new, path):
        # No rename-exchange here: move the old aside first. A kill between the
        # two renames leaves it complete in ``.NAME.PID.*.old``, and the next
        # run puts it back before anything else.
        aside = Path(tempfile.mkdtemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".old", dir=path.parent))
        os.rename(path, aside / "old")
        os.rename(new, path)
        os.rename(aside / "old", new)
        aside.rmdir()


def _exchange(a, b):
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(error, os.strerror(error), str(b))


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


@functools.cache
def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _clean_leftovers(path):
    """Remove what killed runs left beside ``path``: build folders, and an old
    folder moved aside (put back first when ``path`` itself is missing)."""
    for item in sorted(path.parent.glob(f".{glob.escape(path.name)}.*.old")):
        if _alive(item, path):
            continue
        old = item / "old"
        if old.is_dir() and not os.path.lexists(path):
            os.rename(old, path)
        shutil.rmtree(item, ignore_errors=True)
    for item in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        if item.is_dir() and not _alive(item, path):
            shutil.rmtree(item, ignore_errors=True)


def _alive(item, path):
    """Whether the process that made leftover ``item`` (its PID is in the name) still runs."""
    pid = item.name[len(path.name) + 2:].split(".", 1)[0]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_folder(path, option="--out"):
    """Raise ``InputError`` now, before any work, if folder ``path`` cannot be
    written or replaced (an existing file in its place, a read-only place)."""
    path = Path(path)
    if os.path.lexists(path) and not path.is_dir():
        raise InputError(f"{path}: exists and is not a folder ({option})")
    _probe(path, option)


def check_file(path, option="--out"):
    """Raise ``InputError`` now, before any work, if file ``path`` cannot be written."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file ({option})")
    _probe(path, option)


def _probe(path, option):
    """Create and remove a temporary folder where ``path`` would be written."""
    place = Path(os.path.realpath(path)).parent
    while not place.exists():
        place = place.parent
    if not place.is_dir():
        raise InputError(f"{path}: {place} is not a folder ({option})")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".cdisckit-probe.", dir=place))
    except OSError as exc:
        raise InputError(f"{path}: cannot write in {place}: {exc.strerror or exc} ({option})") from None
