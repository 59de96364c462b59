"""JSON read bounded: a size cap, a nesting cap checked before parsing, regular files only.

``json.loads`` recurses once per nesting level, so ``[`` × 200,000 is a ``RecursionError``
(or, with a raised recursion limit, a crash); a file the size of the disk is read whole; a
device (``/dev/zero``) never ends. :func:`read_json` refuses each in one line naming the file
before the parser sees it, with the caller's error class.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError
from .fsutil import read_regular

#: the largest JSON file read (a manifest holds the model and watchlist files: a few MB)
MAX_BYTES = 64 * 1024 * 1024
#: the deepest nesting of arrays and objects (a manifest nests five levels)
MAX_DEPTH = 32

_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


def depth(data: bytes) -> int:
    """The deepest nesting of ``[``/``{`` in JSON text (brackets inside strings ignored)."""
    bare = _STRINGS.sub(b'""', data)
    codes = np.frombuffer(bare, dtype=np.uint8)
    steps = np.zeros(len(codes), dtype=np.int32)
    steps[(codes == ord("[")) | (codes == ord("{"))] = 1
    steps[(codes == ord("]")) | (codes == ord("}"))] = -1
    return int(np.cumsum(steps).max(initial=0))


def loads(data: bytes, error: type[InputError], what: str, max_depth: int = MAX_DEPTH) -> Any:
    """``data`` parsed as UTF-8 JSON nested at most ``max_depth`` deep; else one ``error``."""
    levels = depth(data)
    if levels > max_depth:
        raise error(f"{what}: nested {levels:,} levels deep; at most {max_depth} are read")
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(f"{what}:{line}: not UTF-8 text") from None
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        where = f":{exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise error(f"{what}{where}: not JSON ({msg})") from None


def read_json(path: Path, error: type[InputError], what: str, *, max_bytes: int = MAX_BYTES) -> Any:
    """The JSON document in the regular file ``path``, bounded in size and depth."""
    return loads(read_regular(path, max_bytes, error, what), error, f"{what} {path}")
