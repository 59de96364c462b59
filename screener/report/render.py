"""Jinja → HTML → WeasyPrint → PDF: templates in Jinja's immutable sandbox, loaded only from
the template folders (real paths: a symbolic link leading out is refused), a fetcher that
loads nothing from outside them, and a check that every character was drawn with a real
glyph. Every failure is one :class:`RenderError` naming the template file and line."""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlparse

import jinja2
import jinja2.bccache
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from ..errors import MissingGlyphError, RenderError, ScreenerError
from ..fsutil import (
    files_digest,
    write_atomic,  # noqa: F401  (moved to fsutil; re-exported for report/)
    write_cache_file,
)
from .fonts import INSTALL_HINT
from .formats import fmt_bn, fmt_multiple

log = logging.getLogger(__name__)


#: the largest template file read (the shipped ones are a few kilobytes)
MAX_TEMPLATE_BYTES = 1024 * 1024
#: the longest string or list a template may build with ``*``, and the largest exponent of ``**``
MAX_PRODUCT = 1_000_000
MAX_EXPONENT = 1_000


class ConfinedLoader(jinja2.BaseLoader):
    """Templates from ``roots`` in order; a file whose real path (symbolic links resolved) is
    outside every root is refused with :class:`jinja2.sandbox.SecurityError`, so a template
    can include only templates, never ``/etc/passwd`` through a link."""

    def __init__(self, roots: Sequence[Path]):
        self.roots = [Path(os.path.realpath(r)) for r in roots]

    def get_source(self, environment: jinja2.Environment, template: str):
        pieces = split_template_path(template)
        for root in self.roots:
            candidate = root.joinpath(*pieces)
            if os.path.isfile(candidate):
                break
        else:
            raise jinja2.TemplateNotFound(template)
        real = Path(os.path.realpath(candidate))
        if not any(real.is_relative_to(r) for r in self.roots):
            raise SecurityError(
                f"{candidate} leads to {real}, outside the template folders "
                f"({', '.join(map(str, self.roots))}); a template may include only templates"
            )
        raw = _read_template(real)
        mtime = os.path.getmtime(real)
        return raw, str(real), lambda: _mtime(real) == mtime


def _read_template(path: Path) -> str:
    with open(path, "rb") as fh:
        raw = fh.read(MAX_TEMPLATE_BYTES + 1)
    if len(raw) > MAX_TEMPLATE_BYTES:
        raise RenderError(f"template {path}: larger than {MAX_TEMPLATE_BYTES:,} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RenderError(f"template {path}:{line}: not UTF-8 text; save it as UTF-8") from None


def _mtime(path: Path) -> float | None:
    try:
        return os.path.getmtime(path)
    except OSError:
        return None


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox (no ``__globals__``, no private attributes, no changing lists
    or dicts, ``str.format`` sandboxed too), with ``*`` and ``**`` bounded so a template cannot
    build a gigabyte string or a number with a billion digits."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator: str, left, right):
        if operator == "**":
            if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"an exponent larger than {MAX_EXPONENT}")
            return left**right
        for seq, times in ((left, right), (right, left)):
            sized = isinstance(seq, str | bytes | list | tuple) and isinstance(times, int)
            if sized and len(seq) * max(times, 0) > MAX_PRODUCT:
                raise SecurityError(f"a result longer than {MAX_PRODUCT:,} items")
        return left * right


class _CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once per process: by name and file, checked against the checksum of
    the text read each time (an edited template is compiled afresh, as Jinja's own bytecode
    caches do). Each briefing makes its own environment, which compiled all 14 templates anew
    (0.4 s of a 1 s briefing built in the same process: the API, the test suite). Used by
    :func:`template_env` alone, whose environments all compile alike; at most
    :attr:`LIMIT` entries, the oldest dropped first."""

    LIMIT = 256

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)  # a different checksum: nothing is loaded

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code.pop(bucket.key, None)
        self.code[bucket.key] = bucket.bytecode_to_string()
        while len(self.code) > self.LIMIT:
            del self.code[next(iter(self.code))]


_COMPILED = _CompiledTemplates()


class _KeptTemplates(jinja2.BytecodeCache):
    """:data:`_COMPILED`, backed by a folder (``$SCREENER_HOME/template-cache/<code>/``) so a
    fresh process loads the compiled templates instead of compiling them (0.4 s of CPU per
    briefing). Jinja checks each file's checksum against the template's text and its header
    against the Python version, so an edited template compiles afresh; the folder is named
    by a hash of Jinja's version and this module (the environment's settings), so other code
    never reads it. A file that cannot be read or written is a miss, never an error."""

    def __init__(self, folder: Path):
        self.folder = folder / _code_fingerprint()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        _COMPILED.load_bytecode(bucket)
        if bucket.code is not None:
            return
        try:
            with open(self.folder / f"{bucket.key}.jinja", "rb") as fh:
                bucket.bytecode_from_string(fh.read())
        except (OSError, EOFError, ValueError, TypeError):
            bucket.reset()
        if bucket.code is not None:
            _COMPILED.dump_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        _COMPILED.dump_bytecode(bucket)
        write_cache_file(self.folder / f"{bucket.key}.jinja", bucket.bytecode_to_string())


@functools.cache
def _code_fingerprint() -> str:
    here = Path(__file__)
    return files_digest(here.parent, [here], jinja2.__version__, sys.version_info[:2])[:32]


def template_env(
    template_dirs: Sequence[Path], compiled_dir: Path | None = None
) -> jinja2.Environment:
    """Templates from the user's folder first, shipped defaults second, in Jinja's immutable
    sandbox (a workspace template is untrusted: it may come with a colleague's lists);
    autoescape and StrictUndefined on (a missing value fails loudly, never renders blank).
    ``compiled_dir``: where compiled templates are kept between processes (None: only in
    this process)."""
    env = _Sandbox(
        loader=ConfinedLoader(template_dirs),
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
        bytecode_cache=_COMPILED if compiled_dir is None else _KeptTemplates(compiled_dir),
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


def render_html(
    template_dirs: Sequence[Path],
    name: str,
    context: dict,
    na: str = "n/a",
    compiled_dir: Path | None = None,
) -> str:
    """Render template ``name``; any failure is a :class:`RenderError` naming the template
    file and line. ``na`` is the text shown for a missing number; ``compiled_dir`` keeps the
    compiled templates between processes (see :class:`_KeptTemplates`)."""
    env = template_env(template_dirs, compiled_dir)
    env.filters["pct"] = functools.partial(format_pct, na=na)
    env.filters["num"] = functools.partial(format_num, na=na)
    env.filters["pp"] = functools.partial(format_pp, na=na)
    env.filters["mult"] = functools.partial(fmt_multiple, na=na)
    env.filters["bn"] = functools.partial(fmt_bn, na=na)
    try:
        return env.get_template(name).render(**context)
    except ScreenerError:
        raise
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(
            f"template {exc.filename or exc.name}:{exc.lineno}: {exc.message}"
        ) from exc
    except jinja2.TemplateNotFound as exc:
        raise RenderError(
            f"template {exc.name} not found in " + ", ".join(str(d) for d in template_dirs)
        ) from exc
    except SecurityError as exc:
        raise RenderError(
            f"template {_where(exc, name)}: refused: {str(exc).rstrip('.')}; templates may not "
            "reach Python internals or files outside the template folders; nothing was run or "
            "written"
        ) from exc
    except jinja2.UndefinedError as exc:
        raise RenderError(f"template {_where(exc, name)}: {exc.message}") from exc
    except Exception as exc:  # a runtime error inside a template: {{ 1 // 0 }}, a bad filter
        what = str(exc).splitlines()[0] if str(exc) else ""
        raise RenderError(
            f"template {_where(exc, name)}: {type(exc).__name__}{': ' + what if what else ''};"
            " fix that line of the template (or delete your copy to use the shipped one)"
        ) from exc


def _where(exc: BaseException, name: str) -> str:
    """``<file>:<line>`` of the innermost template frame in a Jinja traceback, else ``name``."""
    tb, where = exc.__traceback__, name
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".j2", ".html", ".css")):
            where = f"{filename}:{tb.tb_lineno}"
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
            # the error names the first refused URL; the others are for -v
            log.info("refused to load %s (outside the template and asset folders)", url)
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


#: the PDF's document-information key holding the briefing's snapshot id
SNAPSHOT_KEY = "ScreenerSnapshot"


def html_to_pdf(
    html: str, base_dir: Path, allowed_roots: Sequence[Path], *, snapshot_id: str | None = None
) -> tuple[bytes, int]:
    """Render HTML to PDF bytes and its page count. Missing glyphs and refused loads are
    errors. ``snapshot_id`` is written into the PDF's own metadata (``/ScreenerSnapshot``), so
    a PDF says which manifest it was drawn from wherever it is copied. (``screener brief``
    calls it through :func:`.pdfworker.html_to_pdf`, in a worker process.)"""
    import weasyprint

    fetcher = _safe_fetcher_class()(allowed_roots=allowed_roots)
    watcher = _GlyphWatcher()
    wlog = logging.getLogger("weasyprint")
    wlog.addHandler(watcher)
    # WeasyPrint's own lines (an ERROR per refused URL) repeat what the one error line says:
    # the watcher hears them, the terminal only with -v
    level, propagate = wlog.level, wlog.propagate
    wlog.setLevel(logging.WARNING)
    wlog.propagate = log.isEnabledFor(logging.INFO)
    try:
        doc = weasyprint.HTML(string=html, base_url=str(base_dir) + os.sep, url_fetcher=fetcher)
        document = doc.render()
        custom = snapshot_id is not None
        if custom:  # set after the render: a template's own <meta> cannot replace it
            document.metadata.custom = {SNAPSHOT_KEY: snapshot_id}
        pdf = document.write_pdf(custom_metadata=custom)
    finally:
        wlog.removeHandler(watcher)
        wlog.setLevel(level)
        wlog.propagate = propagate
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
