"""The weekly briefing: one module per section (performance, model, exposure, changes,
takeaways and risks, data gaps), charts, Jinja + WeasyPrint (render), built by
:mod:`.builder`.

The names below are imported on first use (PEP 562), so a module of this package that needs
none of them (:mod:`.pdfworker`'s process, which only draws) does not load pandas."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import exports

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


__getattr__ = exports(__name__, _EXPORTS, globals())


if TYPE_CHECKING:
    from .asof import AsOf
    from .builder import BriefingHTML, BriefingResult, briefing_html, build_briefing, output_path
