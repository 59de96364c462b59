"""Jinja → HTML → WeasyPrint → PDF, with a fetcher that loads nothing from outside its folders
and a check that every character was drawn with a real glyph."""

from __future__ import annotations

import functools
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlparse

import jinja2

from ..errors import MissingGlyphError, RenderError
from ..fsutil import write_atomic  # noqa: F401  (moved to fsutil; re-exported for report/)
from .fonts import INSTALL_HINT
from .formats import fmt_bn, fmt_multiple

log = logging.getLogger(__name__)


def template_env(template_dirs: Sequence[Path]) -> jinja2.Environment:
    """Templates from the user's folder first, shipped defaults second; autoescape and
    StrictUndefined on (a missing value fails loudly, never renders blank)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs]),
        # everything is escaped except our own stylesheets, included raw into <style>
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "j2", "xml"),
            disabled_extensions=("css",),
            default_for_string=True,
            default=True,
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["pct"] = format_pct
    env.filters["num"] = format_num
    return env


def format_pct(value, digits: int = 1, signed: bool = True, na: str = "n/a") -> str:
    """``0.0123`` → ``+1.2%``; missing → ``n/a`` (a person sees the gap, never a blank)."""
    if value is None or value != value:  # NaN
        return na
    return f"{value * 100:{'+' if signed else ''}.{digits}f}%"


def format_pp(value, digits: int = 1, na: str = "n/a") -> str:
    """A difference of returns in a table whose header names the unit: ``0.0123`` → ``+1.2``."""
    if value is None or value != value:
        return na
    return f"{value * 100:+.{digits}f}"


def format_num(value, digits: int = 2, na: str = "n/a") -> str:
    if value is None or value != value:
        return na
    return f"{value:,.{digits}f}"


def render_html(template_dirs: Sequence[Path], name: str, context: dict, na: str = "n/a") -> str:
    """Render template ``name``; an error names the template and line. ``na`` is the text
    shown for a missing number."""
    env = template_env(template_dirs)
    env.filters["pct"] = functools.partial(format_pct, na=na)
    env.filters["num"] = functools.partial(format_num, na=na)
    env.filters["pp"] = functools.partial(format_pp, na=na)
    env.filters["mult"] = functools.partial(fmt_multiple, na=na)
    env.filters["bn"] = functools.partial(fmt_bn, na=na)
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(
            f"template {exc.filename or exc.name}:{exc.lineno}: {exc.message}"
        ) from exc
    except jinja2.TemplateNotFound as exc:
        raise RenderError(
            f"template {exc.name} not found in " + ", ".join(str(d) for d in template_dirs)
        ) from exc
    except jinja2.UndefinedError as exc:
        raise RenderError(f"template {name}{_template_line(exc)}: {exc.message}") from exc


def _template_line(exc: BaseException) -> str:
    """``:<file>:<line>`` of the innermost template frame in a Jinja traceback, if any."""
    tb, where = exc.__traceback__, ""
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".j2", ".html", ".css")):
            where = f" ({Path(filename).name}:{tb.tb_lineno})"
        tb = tb.tb_next
    return where


def _safe_fetcher_class():
    from weasyprint.urls import URLFetcher

    class SafeURLFetcher(URLFetcher):
        """Loads ``data:`` URIs and files under the allowed folders; refuses everything else
        (http, https, ftp, files elsewhere, symlinks that lead out)."""

        def __init__(self, allowed_roots: Sequence[Path], **kwargs):
            super().__init__(allowed_protocols=("file", "data"), **kwargs)
            self.allowed_roots = [Path(os.path.realpath(r)) for r in allowed_roots]
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(os.path.realpath(unquote(urlparse(url).path)))
                if any(path.is_relative_to(root) for root in self.allowed_roots):
                    return super().fetch(url, headers)
            self.refused.append(url)
            log.warning("refused to load %s (outside the template and asset folders)", url)
            raise ValueError(f"refused to load {url}")

    return SafeURLFetcher


class _GlyphWatcher(logging.Handler):
    """Collects WeasyPrint's '.notdef glyph rendered' warnings during one render."""

    PATTERN = re.compile(r'unsupported by fonts: "(.+)" \(U\+([0-9A-F]+)\)')

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.missing: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if ".notdef glyph rendered" in message:
            m = self.PATTERN.search(message)
            if m:
                self.missing.setdefault(m.group(1), f"U+{m.group(2)}")


def html_to_pdf(html: str, base_dir: Path, allowed_roots: Sequence[Path]) -> tuple[bytes, int]:
    """Render HTML to PDF bytes and its page count. Missing glyphs and refused loads are
    errors."""
    import weasyprint

    fetcher = _safe_fetcher_class()(allowed_roots=allowed_roots)
    watcher = _GlyphWatcher()
    wlog = logging.getLogger("weasyprint")
    wlog.addHandler(watcher)
    try:
        doc = weasyprint.HTML(string=html, base_url=str(base_dir) + os.sep, url_fetcher=fetcher)
        document = doc.render()
        pdf = document.write_pdf()
    finally:
        wlog.removeHandler(watcher)
    if watcher.missing:
        chars = "".join(watcher.missing)
        codes = ", ".join(f"{c} ({u})" for c, u in list(watcher.missing.items())[:12])
        raise MissingGlyphError(
            f"{len(watcher.missing)} character(s) have no glyph in any installed font: "
            f"{codes}; {INSTALL_HINT}",
            characters=chars,
        )
    if fetcher.refused:
        raise RenderError(
            f"the briefing tried to load {fetcher.refused[0]}, which is outside "
            "the template and asset folders; nothing was written"
        )
    return pdf, len(document.pages)
