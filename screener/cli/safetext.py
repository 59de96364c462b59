"""Text from outside made safe for a terminal and a spreadsheet (light: the CLI's error line
uses it before any heavy library loads)."""

from __future__ import annotations

import re
from typing import Any

#: C0 controls but tab and newline, DEL, C1, and the bidirectional embeddings and overrides
_CONTROL = re.compile("[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]")
_BREAKS = re.compile("[\\t\\r\\n]+")
#: what a spreadsheet reads as the start of a formula (OWASP, "CSV Injection")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: where ``--raw`` leaves its choice for the CSV writer (click's root context meta)
RAW_KEY = "screener.output.raw"


def plain(text: str) -> str:
    """``text`` without control characters (tabs and newlines kept)."""
    return _CONTROL.sub("", text)


def one_line(text: str) -> str:
    """``text`` safe for one terminal line: no control characters, line breaks as spaces."""
    return plain(_BREAKS.sub(" ", text))


def formula_safe(value: Any) -> Any:
    """A CSV cell that a spreadsheet would run as a formula, prefixed with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
