"""The CLI's last line of defence: any exception that reaches it becomes one ``error:`` line.

A :class:`~screener.errors.ScreenerError` already says what failed and what to do. Anything
else is described here by its kind: the machine (a file or folder that cannot be read or
written, a full disk, an output that cannot encode the text, memory) with what to do about
it; whatever is left is a bug, and the line says how to report it. ``--verbose`` adds the
traceback before the line. After a failed write to stdout, stdout is pointed at the null
device so the interpreter's own flush at exit prints nothing more.
"""

from __future__ import annotations

import errno
import os
import sys

REPORT = (
    "this is a bug in screener: run the same command again with -v and report the traceback "
    "and `screener --version` to the maintainers"
)

#: output errors that mean the reader went away or the disk is full, not a bug
_OUTPUT_ERRNOS = {errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT}


def describe(exc: BaseException, command: str | None) -> str:
    """One line for ``exc`` (never a ScreenerError: those speak for themselves)."""
    where = f" in `screener {command}`" if command else ""
    if isinstance(exc, UnicodeEncodeError):
        return encoding_advice(exc)
    if isinstance(exc, MemoryError):
        return (
            f"ran out of memory{where}; close other programs or give the command less "
            "to do (fewer tickers, a shorter range)"
        )
    if isinstance(exc, OSError):
        return _os_error(exc, where)
    if isinstance(exc, RecursionError):
        return f"nesting too deep to follow{where} (RecursionError); {REPORT}"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"unexpected {type(exc).__name__}{where}{': ' + text if text else ''}; {REPORT}"


def encoding_advice(exc: UnicodeEncodeError) -> str:
    """The output's encoding cannot write a character: say which, and how to get UTF-8."""
    char = exc.object[exc.start : exc.start + 1] if isinstance(exc.object, str) else "?"
    code = f"U+{ord(char):04X}" if char else "?"
    return (
        f"the output's encoding ({exc.encoding}) cannot write {char!r} ({code}); "
        "set PYTHONIOENCODING=utf-8 or use a UTF-8 locale (e.g. LANG=C.UTF-8)"
    )


def _os_error(exc: OSError, where: str) -> str:
    what = exc.strerror or str(exc) or type(exc).__name__
    name = f": {exc.filename}" if exc.filename else ""
    if exc.errno in _OUTPUT_ERRNOS:
        target = f"{exc.filename}" if exc.filename else "the output"
        return (
            f"cannot write {target}{where} ({what}); free some space or write the output "
            "somewhere else, then run the command again"
        )
    if isinstance(exc, PermissionError):
        return f"permission denied{where}{name}; check who owns it, or use another folder"
    if isinstance(exc, FileNotFoundError):
        return f"not found{where}{name}; check the path"
    return f"{what}{where}{name}; check the file or folder named, then run the command again"


def quiet_stdout() -> None:
    """If stdout can no longer be written (full disk, closed pipe), point its descriptor at
    the null device: Python's own flush at exit then has nowhere to fail."""
    try:
        sys.stdout.flush()
        return
    except (OSError, ValueError):
        pass
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)
