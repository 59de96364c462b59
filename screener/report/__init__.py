"""The weekly briefing: one module per section (performance, model, exposure, changes,
takeaways and risks, data gaps), charts, Jinja + WeasyPrint (render), built by
:mod:`.builder`."""

from __future__ import annotations

from .asof import AsOf
from .builder import BriefingHTML, BriefingResult, briefing_html, build_briefing, output_path

__all__ = [
    "AsOf",
    "BriefingHTML",
    "BriefingResult",
    "briefing_html",
    "build_briefing",
    "output_path",
]
