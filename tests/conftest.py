"""Shared test set-up: no network, a private SCREENER_HOME per test, headless matplotlib.

Fixtures every test module may use (prefer them to building your own; each is cheap):

- ``screener_home`` (autouse): this test's own empty $SCREENER_HOME.
- ``listener``: an HTTP server on 127.0.0.1 that records requests (proof nothing was fetched).
- ``demo_cache``: this test's $SCREENER_HOME holds a copy of a demo cache filled once per
  session (``demo_cache_home``: what the demo screen of every universe and the shipped demo
  briefing read as of ``DEMO_AS_OF``, 2026-11-20), so a demo screen or briefing as of that day
  fills nothing (1-3 s saved each). ``copy_demo_cache(demo_cache_home, home)`` copies it into
  another home folder (a test that passes ``Settings(home=...)`` or sets $SCREENER_HOME itself).
- ``demo_briefing(lang)``: the shipped demo briefing as of ``DEMO_AS_OF`` (an empty workspace),
  drawn to a real PDF once per language per session; a ``RenderedBriefing`` with the result,
  the PDF's text and pages, and the HTML. Read it; never write to its folder.
- ``html_instead_of_pdf``: no PDF is drawn in this test; ``build_briefing`` (and so
  ``screener brief``) hands its HTML to a stub that records it (the list returned). For tests
  of what goes into a briefing: check the HTML with ``briefing_text.html_text``, or build it
  with ``screener.report.briefing_html``. A PDF takes seconds to draw; the real renders
  (``demo_briefing``, a briefing after failed fetches, the glyph and fetch checks) cover the
  drawing.

``briefing_text`` (this folder) reads the text a person sees: ``html_text(html)`` (one line per
block or table row, like the PDF's text), ``pdf_text(path)``, ``flat(text)``.

Marker ``slow``: real PDF renders, long property tests, killed processes; ``make test-fast``
leaves them out.
"""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import os
import shutil
import socket
import sqlite3
import sys
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import settings as hypothesis_settings

try:
    import fcntl
except ImportError:  # Windows: each worker builds its own session data
    fcntl = None  # type: ignore[assignment]

# No per-example deadline anywhere: on a loaded 2-core CI machine a deadline only adds flakes;
# each property test sets its own example budget.
hypothesis_settings.register_profile("screener", deadline=None, print_blob=True)
hypothesis_settings.load_profile("screener")

os.environ.setdefault("MPLBACKEND", "Agg")
# PDFs are drawn in the test's own process (and the ~40 `python -m screener` processes the
# suite starts draw in theirs): a worker per `screener brief` would load WeasyPrint again in
# each, stubbed render or not. tests/test_pdfworker.py switches the worker on.
os.environ.setdefault("SCREENER_PDF_WORKER", "0")

_real_connect = socket.socket.connect


def _guarded_connect(self, address):
    host = address[0] if isinstance(address, tuple) else address
    try:
        if isinstance(host, str) and ipaddress.ip_address(host).is_loopback:
            return _real_connect(self, address)
    except ValueError:
        pass
    if isinstance(host, str) and host in ("localhost",):
        return _real_connect(self, address)
    if self.family == socket.AF_UNIX:
        return _real_connect(self, address)
    raise RuntimeError(f"tests must not reach the network (tried {address!r})")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(autouse=True)
def screener_home(tmp_path, monkeypatch):
    """Every test gets its own empty $SCREENER_HOME (cache files, history, and the per-user
    workspace) and no user config file, $SCREENER_WORKSPACE or $COLUMNS from the machine it
    runs on."""
    home = tmp_path / "screener-home"
    monkeypatch.setenv("SCREENER_HOME", str(home))
    monkeypatch.setenv("SCREENER_CONFIG", str(tmp_path / "no-user-config.toml"))
    monkeypatch.delenv("SCREENER_WORKSPACE", raising=False)
    # tables fit $COLUMNS when set (pytest-xdist's workers set 80): a test gives its own width
    monkeypatch.delenv("COLUMNS", raising=False)
    return home


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Records every request path; answers 200 with no body."""

    hits: ClassVar[list[str]] = []

    def do_GET(self):
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@dataclass
class Listener:
    port: int
    hits: list[str]


@pytest.fixture
def listener():
    """An HTTP server on 127.0.0.1 that records requests: proof that nothing was fetched."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Listener(server.server_address[1], _Recorder.hits)
    server.shutdown()
    server.server_close()


# -- the demo, built once per session --------------------------------------------------------------

#: the as-of day of the session's demo cache and demo briefings (a Friday, ISO week 2026-W47)
DEMO_AS_OF = dt.date(2026, 11, 20)
_DEMO_FILES = ("demo-cache.sqlite", "demo-cache.columns")


def _demo_settings(root: Path, home: Path):
    from screener.settings import Settings
    from screener.workspace import Workspace

    return Settings(workspace=Workspace.open(root), demo=True, as_of=DEMO_AS_OF, home=home)


def once_per_run(tmp_path_factory, name: str, build: Callable[[Path], object]) -> Path:
    """A folder ``name`` that ``build(folder)`` filled once for the whole run: under xdist the
    first worker to ask builds it (holding a lock in the run's shared temporary folder) and the
    others wait for it and read it, instead of each building its own. Treat it as read-only."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None or fcntl is None:  # one process (or no flock): build it here
        folder = tmp_path_factory.mktemp(name)
        build(folder)
        return folder
    shared = tmp_path_factory.getbasetemp().parent  # the run's folder, above each worker's
    folder, done = shared / name, shared / f"{name}.built"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # a build that failed half-way
            folder.mkdir()
            build(folder)
            done.touch()
    return folder


def _fill_demo_cache(root: Path) -> None:
    from screener.report import briefing_html
    from screener.screening import run_screen

    settings = _demo_settings(root, root / "home")
    run_screen(settings, universe="all", top=0)
    briefing_html(settings)
    with sqlite3.connect(settings.cache_path) as db:  # a copy of the file alone is complete
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


@pytest.fixture(scope="session")
def demo_cache_home(tmp_path_factory) -> Path:
    """A $SCREENER_HOME template whose demo cache holds what the demo screen of every universe
    and the shipped demo briefing read as of DEMO_AS_OF, filled once per run (shared by the
    xdist workers: ``once_per_run``), through the ordinary update path (copy it with
    ``copy_demo_cache``; never write to it)."""
    return once_per_run(tmp_path_factory, "demo-cache", _fill_demo_cache) / "home"


def copy_demo_cache(template: Path, home: Path) -> Path:
    """Copy the session's demo cache (``demo_cache_home``) into ``home``; its SQLite file."""
    home.mkdir(parents=True, exist_ok=True)
    for name in _DEMO_FILES:
        if (template / name).exists():
            shutil.copyfile(template / name, home / name)
    return home / _DEMO_FILES[0]


@pytest.fixture
def demo_cache(screener_home: Path, demo_cache_home: Path) -> Path:
    """This test's $SCREENER_HOME holds its own copy of the session's demo cache (see
    ``demo_cache_home``): a demo screen or briefing as of DEMO_AS_OF fills nothing. Returns the
    copied SQLite file."""
    return copy_demo_cache(demo_cache_home, screener_home)


@dataclass(frozen=True)
class RenderedBriefing:
    """A briefing drawn to a real PDF: the result, the PDF's text (pages joined by line
    breaks) and each page's, the HTML it was drawn from, and the settings it was made with
    (its cache may be read, never written)."""

    result: Any  # screener.report.BriefingResult
    text: str
    pages: list[str]
    html: str
    settings: Any  # screener.settings.Settings

    @property
    def flat(self) -> str:
        """The PDF's text with every run of whitespace as one space."""
        return " ".join(self.text.split())


@pytest.fixture(scope="session")
def demo_briefing(tmp_path_factory, demo_cache_home: Path):
    """``demo_briefing(lang)``: the shipped demo briefing as of DEMO_AS_OF (an empty workspace:
    the shipped watchlists and model), drawn to a real PDF once per language per session, with
    its HTML written beside it. Read it; never write to its folder."""
    from briefing_text import pdf_pages

    from screener.report import build_briefing

    drawn: dict[str, RenderedBriefing] = {}

    def render(lang: str = "en") -> RenderedBriefing:
        if lang not in drawn:
            root = tmp_path_factory.mktemp(f"demo-briefing-{lang}")
            copy_demo_cache(demo_cache_home, root / "home")
            settings = _demo_settings(root, root / "home")
            result = build_briefing(settings, root / "briefs", write_html=True, lang=lang)
            pages = pdf_pages(result.pdf_path)
            html = result.html_path.read_text("utf-8")
            drawn[lang] = RenderedBriefing(result, "\n".join(pages), pages, html, settings)
        return drawn[lang]

    return render


@pytest.fixture
def html_instead_of_pdf(monkeypatch) -> list[str]:
    """No PDF is drawn in this test: ``build_briefing`` (and so ``screener brief``) hands its
    HTML to a stub that records it (in the list returned) and returns a one-page placeholder,
    which is written where the PDF would be. For tests of what goes into a briefing; the real
    renders (``demo_briefing``, a briefing after failed fetches, the glyph and fetch checks)
    cover the drawing."""
    from screener.report import builder

    seen: list[str] = []

    def record(html: str, base_dir, allowed_roots, snapshot_id=None) -> tuple[bytes, int]:
        seen.append(html)
        return b"%PDF-1.7\n% placeholder: html_instead_of_pdf\n", 1

    monkeypatch.setattr(builder, "html_to_pdf", record)
    return seen


# -- running on several workers (pytest-xdist: make test) ------------------------------------------


def pytest_itemcollected(item) -> None:
    """Tests that read the drawn demo briefing are slow and run on one worker, so it is drawn
    once there (``--dist loadgroup``); the rest spread over the workers."""
    if "demo_briefing" in getattr(item, "fixturenames", ()):
        item.add_marker(pytest.mark.xdist_group("demo_briefing"))
        item.add_marker(pytest.mark.slow)  # the first to ask draws PDFs


@pytest.hookimpl(trylast=True)  # after xdist's own hook, which means to do this
def pytest_collection_modifyitems(config, items) -> None:
    """``--dist loadgroup`` sends a group to one worker by the ``@group`` suffix a worker adds
    to each grouped test's id. pytest-xdist 3.8 writes it to ``item._nodeid``, which pytest 9.2
    no longer reads (pytest-xdist#1386, fix pending in #1388): no test had a group, and each
    worker drew both editions of the demo briefing. Until xdist adds it, the suffix is added
    here, as xdist would (on a worker, with ``--dist loadgroup``)."""
    if not hasattr(config, "workerinput") or not config.getvalue("loadgroup"):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        names = {str(m.args[0]) for m in item.iter_markers("xdist_group") if m.args}
        if names and "@" not in item.nodeid.rpartition("]")[2]:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(sorted(names))}")


#: the robustness ledger (tests/robustness/support.py) counted by every worker
_LEDGERS: Counter[str] = Counter()


def pytest_sessionfinish(session) -> None:
    out = getattr(session.config, "workeroutput", None)  # set on an xdist worker
    support = sys.modules.get("robustness.support")
    if out is not None and support is not None:
        out["robustness_ledger"] = dict(support.LEDGER)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    _LEDGERS.update(getattr(node, "workeroutput", {}).get("robustness_ledger", {}))


def pytest_terminal_summary(terminalreporter) -> None:
    """The robustness ledger: what the suite tried and found, summed over the workers."""
    support = sys.modules.get("robustness.support")
    ledger = _LEDGERS + (support.LEDGER if support is not None else Counter())
    if not ledger:
        return
    terminalreporter.write_sep("-", "robustness ledger")
    keys = ["bad inputs", "faults injected", "files changed", "tracebacks"]
    for key in [*keys, *sorted(set(ledger) - set(keys))]:
        terminalreporter.write_line(f"{key}: {ledger[key]}")
