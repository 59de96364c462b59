"""The weekly briefing: one module per section (performance, model, exposure, changes,
takeaways and risks, data gaps), charts, Jinja + WeasyPrint (render), built by
:mod:`.builder`.

The names below are imported on first use (PEP 562), so a module of this package that needs
none of them (:mod:`.pdfworker`'s process, which only draws) does not load pandas."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_EXPORTS: dict[str, str] = {
    "AsOf": ".asof",
    "BriefingHTML": ".builder",
    "BriefingResult": ".builder",
    "briefing_html": ".builder",
    "build_briefing": ".builder",
    "output_path": ".builder",
}

__all__ = [
    "AsOf",
    "BriefingHTML",
    "BriefingResult",
    "briefing_html",
    "build_briefing",
    "output_path",
]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # the next access is a plain attribute
    return value


if TYPE_CHECKING:
    from .asof import AsOf
    from .builder import BriefingHTML, BriefingResult, briefing_html, build_briefing, output_path
