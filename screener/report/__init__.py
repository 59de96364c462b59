"""The weekly briefing: numbers (context.py), charts (charts.py), Jinja + WeasyPrint (render)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ..data import load_bars
from ..errors import InputError
from ..settings import Settings
from ..watchlists import load_all
from .context import BENCHMARKS, AsOf, briefing_context, watchlist_changes
from .model_section import model_section_context
from .render import html_to_pdf, render_html, write_atomic

log = logging.getLogger(__name__)

TEMPLATE = "briefing.html.j2"


@dataclass(frozen=True)
class BriefingResult:
    pdf_path: Path
    html_path: Path | None
    iso_week: str
    pages: int


def output_path(out: Path, iso_week: str) -> Path:
    """``out`` itself when it names a .pdf file, else ``out/<ISO week>.pdf``."""
    out = Path(out)
    if out.suffix.lower() == ".pdf":
        return out
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a folder; give a folder or a .pdf path")
    return out / f"{iso_week}.pdf"


def build_briefing(settings: Settings, out: Path, write_html: bool = False) -> BriefingResult:
    """Render this week's briefing for the workspace's watchlists and write it to ``out``."""
    ws = settings.workspace
    lists = load_all(ws.watchlists_dir, ws.model_dir)
    as_of = AsOf.for_day(settings.today)
    tickers = list(dict.fromkeys([t for wl in lists for t in wl.tickers] + list(BENCHMARKS)))
    bars = load_bars(settings, tickers, as_of.history_start(), as_of.day)
    context = briefing_context(lists, bars, as_of, settings.demo, bars.attrs.get("gaps"))
    context["model"] = model_section_context(ws.model_dir)
    context["changes"] = watchlist_changes(settings.home, ws.own_folder("watchlists"), as_of)
    html = render_html(ws.template_dirs, TEMPLATE, context)
    pdf, pages = html_to_pdf(html, base_dir=ws.template_dirs[0], allowed_roots=ws.template_dirs)
    path = output_path(out, as_of.iso_week)
    write_atomic(path, pdf)
    html_path = None
    if write_html:
        html_path = path.with_suffix(".html")
        write_atomic(html_path, html.encode("utf-8"))
    log.info("wrote %s (%d bytes)", path, len(pdf))
    return BriefingResult(path, html_path, as_of.iso_week, pages)
