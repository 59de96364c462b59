"""Small file-system helpers shared by every writer: atomic writes and an advisory lock.

``write_atomic`` never leaves half a file: the bytes go to a temporary file in the same folder
(``.<name>.<random>.tmp``, hidden and not matching ``*.yaml`` or ``*.pdf``), are flushed and
fsynced, and only then renamed over the target. A failure or a kill at any point before the
rename leaves the previous file exactly as it was (a stray temporary file at worst).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import pickle
import secrets
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from .errors import InputError

try:  # POSIX only; elsewhere the lock is a no-op and callers rely on their own checks
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

TEMP_SUFFIX = ".tmp"


def temp_path_for(path: Path) -> Path:
    """A fresh temporary file name beside ``path``: hidden, ending in ``.tmp``."""
    return path.parent / f".{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"


def is_temp_file(path: Path) -> bool:
    """Whether ``path`` looks like a temporary file left by an interrupted :func:`write_atomic`."""
    return path.name.startswith(".") and path.name.endswith(TEMP_SUFFIX)


def ensure_folder(path: Path, what: str, hint: str) -> Path:
    """``path`` as a folder, created with its parents if missing; else one
    :class:`~screener.errors.InputError` saying why not (a file is in the way, a symbolic link
    leads nowhere, a parent cannot be written) and ``hint`` (what to do)."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        return path
    except OSError as exc:
        if path.is_symlink() and not path.exists():
            why = f"is a symbolic link to {os.readlink(path)}, which does not exist"
        elif path.exists() and not path.is_dir():
            why = "is a file, not a folder"
        else:
            blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
            why = (
                f"cannot be created: {blocker} is a file"
                if blocker is not None
                else f"cannot be created ({exc.strerror or exc})"
            )
        raise InputError(f"{what} {path} {why}; {hint}") from exc


def open_regular(path: Path, error: type[InputError], what: str, hint: str = "") -> BinaryIO:
    """``path`` opened for reading in binary, if it is a regular file: a device
    (``/dev/zero``), a FIFO (opened without waiting for a writer) or a socket is one ``error``
    line naming ``what`` and the file, and so is a file that cannot be opened."""
    named = f"{what} {path}" if what else str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise error(f"{named}: cannot read the file ({exc.strerror or exc})") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise error(
                f"{named}: not a regular file (a device, pipe or socket)"
                + (f"; {hint}" if hint else "")
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path, max_bytes: int, error: type[InputError], what: str) -> bytes:
    """The bytes of the regular file ``path`` (:func:`open_regular`), at most ``max_bytes``;
    a larger file is one ``error`` line, read no further than the limit."""
    with open_regular(path, error, what) as fh:
        try:
            data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise error(f"{what} {path}: cannot read the file ({exc.strerror or exc})") from exc
    if len(data) > max_bytes:
        raise error(f"{what} {path}: larger than {max_bytes:,} bytes")
    return data


def write_atomic(
    path: Path, data: bytes, *, before_replace: Callable[[], None] | None = None
) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    A reader never sees half a file, and a failure leaves any previous file as it was.
    ``before_replace`` runs after the new bytes are safely on disk and just before the rename;
    if it raises, nothing is replaced (use it to refuse when the target changed meanwhile).
    An existing target keeps its permission bits.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _copy_mode(path, tmp)
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def write_all_atomic(files: list[tuple[Path, bytes]]) -> None:
    """Write several files as a unit: every one to its temporary file first (flushed and
    fsynced), and only when all are on disk renamed into place, one after the other. A failure
    before the renames (a full disk, a folder where a file should go) leaves every previous
    file exactly as it was and no temporary file behind. A kill between two renames can
    still mix old and new files; callers that care record what belongs together (a
    briefing's manifest holds its PDF's hash)."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in files:
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = temp_path_for(path)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            staged.append((tmp, path))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            _copy_mode(path, tmp)
            if path.is_dir():  # os.replace would fail only after earlier files were replaced
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    try:
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in staged:  # the ones not yet renamed (a renamed one is gone already)
            tmp.unlink(missing_ok=True)
        raise
    for folder in dict.fromkeys(path.parent for _, path in staged):
        _fsync_dir(folder)


def _copy_mode(src: Path, dst: Path) -> None:
    try:
        mode = stat.S_IMODE(src.stat().st_mode)
    except FileNotFoundError:
        return
    os.chmod(dst, mode)


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable; some platforms cannot open a folder, which is fine."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        log.debug("cannot open %s to fsync it: %s", folder, exc)
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        log.debug("cannot fsync %s: %s", folder, exc)
    finally:
        os.close(fd)


@contextlib.contextmanager
def exclusive_lock(path: Path, timeout_s: float = 10.0) -> Iterator[None]:
    """Hold an advisory exclusive lock on ``path`` (created if missing) for the block.

    Waits up to ``timeout_s`` for another holder, then raises :class:`TimeoutError`.
    The lock is released when the block ends or the process dies.
    """
    ensure_folder(path.parent, "the lock folder", "set $SCREENER_HOME to a folder you can write")
    with open(path, "a+b") as fh:
        if fcntl is not None:
            _acquire(fh.fileno(), path, timeout_s)
        yield


def _acquire(fd: int, path: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{path} is held by another process for more than {timeout_s:g}s")
        time.sleep(0.05)


#: what reading a damaged pickle can raise (it is then a miss: the value is built again)
_UNPICKLE_ERRORS = (
    OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError,
    ValueError, IndexError,
)  # fmt: skip


def load_pickle(path: Path) -> Any:
    """The object pickled at ``path`` (one of this package's caches); None when the file is
    missing, or damaged (logged at debug: the caller builds the value again)."""
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except FileNotFoundError:
        return None
    except _UNPICKLE_ERRORS as exc:
        log.debug("cache file %s unreadable (%s); building it again", path, exc)
        return None


def dump_pickle(path: Path, value: Any) -> bool:
    """Pickle ``value`` to ``path`` (:func:`write_cache_file`); False, logged at debug, when it
    cannot be pickled or written (a cache is optional)."""
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        log.debug("cache file %s not written (%s)", path, exc)
        return False
    return write_cache_file(path, data)


def write_cache_file(path: Path, data: bytes) -> bool:
    """A cache file written through a temporary file renamed into place (a reader never sees
    half a file), without :func:`write_atomic`'s fsyncs: a cache lost to a crash is built
    again. False, logged at debug, when it cannot be written."""
    tmp = path.parent / f".{path.stem}.{os.getpid()}.tmp"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        log.debug("cache file %s not written (%s)", path, exc)
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return False
    return True


def files_digest(root: Path, paths: Iterable[Path], *versions: object) -> str:
    """A SHA-256 of ``versions`` and of each file's path below ``root`` and bytes: the name of
    a cache built by that code, so other code (an edit, an upgrade) never reads it."""
    digest = hashlib.sha256("\0".join(map(str, versions)).encode() + b"\0")
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
