"""Forgiving names: what a person types (any case, ``-`` or ``_``, a common alias) matched to
the one canonical name, and a "did you mean" for a near miss. Used for universes, languages,
scenarios, calibrations, watchlists and sort columns alike."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping


def fold(text: str) -> str:
    """The form names are compared in: lower case, ``_`` and spaces as ``-``."""
    return str(text).strip().lower().replace("_", "-").replace(" ", "-")


def match(text: str, known: Iterable[str], aliases: Mapping[str, str] | None = None) -> str | None:
    """The canonical name ``text`` means, or None: an exact name, then the same name in
    another case or with ``-``/``_`` swapped, then an alias (keys compared folded)."""
    known = list(known)
    if text in known:
        return text
    key = fold(text)
    folded = {fold(k): k for k in known}
    if key in folded:
        return folded[key]
    for alias, target in (aliases or {}).items():
        if fold(alias) == key and target in known:
            return target
    return None


def near(text: str, known: Iterable[str], aliases: Mapping[str, str] | None = None) -> str | None:
    """The known name closest to a mistyped ``text`` (or None when nothing is close)."""
    known = list(known)
    folded = {fold(k): k for k in known}
    folded |= {fold(a): t for a, t in (aliases or {}).items() if t in known}
    found = difflib.get_close_matches(fold(text), list(folded), n=1, cutoff=0.6)
    if not found:  # a prefix ("comp" for "compute") is a near miss too
        found = [k for k in folded if k.startswith(fold(text)) and len(fold(text)) >= 3][:1]
    return folded[found[0]] if found else None


def did_you_mean(text: str, known: Iterable[str], aliases: Mapping[str, str] | None = None) -> str:
    """``" (did you mean 'compute'?)"`` for a near miss, else ``""``."""
    best = near(text, known, aliases)
    return f" (did you mean {best!r}?)" if best else ""


#: languages of the briefing and what people type for them
LANG_ALIASES = {
    "en-us": "en", "en-gb": "en", "english": "en", "zh-cn": "zh", "zh-hans": "zh",
    "zh-sg": "zh", "cn": "zh", "chinese": "zh", "中文": "zh",
}  # fmt: skip


def is_cjk(text: str) -> bool:
    """True when ``text`` is written in Chinese (or other CJK) script: a name for
    ``name_zh``; Latin script goes to ``name_en``."""
    return any(
        "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"
        for ch in str(text)
    )
