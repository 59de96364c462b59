"""The PDF worker (screener.report.pdfworker): ``screener brief`` starts a process that loads
WeasyPrint while the command reads the data, and hands it the HTML. What it draws, the errors
it reports and what happens when it is gone must be those of drawing in the command's own
process.

The suite draws in-process by default (SCREENER_PDF_WORKER=0, tests/conftest.py); these tests
switch the worker on. Where a test must know the worker drew, WeasyPrint is made unimportable
in the test's process, so only the worker could have."""

from __future__ import annotations

import sys

import pytest

from screener.errors import MissingGlyphError, RenderError
from screener.report import pdfworker
from screener.report.manifest import pdf_snapshot_id
from screener.report.pdfworker import html_to_pdf

pytestmark = pytest.mark.slow

SNAPSHOT = "0123456789ab"
PAGE = "<h1>Briefing 简报</h1><p>Zhongji Innolight 中际旭创 +12.3%</p>"


@pytest.fixture
def worker_on(monkeypatch):
    monkeypatch.setenv(pdfworker.ENV, "1")


@pytest.fixture
def no_weasyprint_here(monkeypatch):
    """``import weasyprint`` fails in this process (a None in sys.modules)."""
    monkeypatch.setitem(sys.modules, "weasyprint", None)


def test_the_worker_draws_what_this_process_would_byte_for_byte(tmp_path, worker_on):
    here = html_to_pdf(PAGE, tmp_path, [tmp_path], snapshot_id=SNAPSHOT)
    with pdfworker.started():
        worker = pdfworker._current
        assert worker is not None
        there = html_to_pdf(PAGE, tmp_path, [tmp_path], snapshot_id=SNAPSHOT)
        assert worker.used
    assert there == here
    assert there[0].startswith(b"%PDF") and pdf_snapshot_id(there[0]) == SNAPSHOT
    assert worker.proc.returncode == 0


def test_only_the_worker_could_have_drawn_it(tmp_path, worker_on, no_weasyprint_here):
    with pytest.raises(ImportError):
        html_to_pdf(PAGE, tmp_path, [tmp_path])
    with pdfworker.started():
        pdf, pages = html_to_pdf(PAGE, tmp_path, [tmp_path])
    assert pdf.startswith(b"%PDF") and pages == 1


def test_a_missing_glyph_is_reported_as_in_this_process(tmp_path, worker_on, no_weasyprint_here):
    with pdfworker.started(), pytest.raises(MissingGlyphError) as info:
        html_to_pdf("<p>ok \U000f0001</p>", tmp_path, [tmp_path])
    assert "U+F0001" in str(info.value) and "fonts-noto-cjk" in str(info.value)
    assert info.value.characters == "\U000f0001"


def test_a_refused_load_is_reported_and_fetches_nothing(
    tmp_path, listener, worker_on, no_weasyprint_here
):
    url = f"http://127.0.0.1:{listener.port}/x.png"
    with pdfworker.started(), pytest.raises(RenderError, match="outside the template"):
        html_to_pdf(f'<img src="{url}"><p>x</p>', tmp_path, [tmp_path])
    assert listener.hits == []


def test_a_worker_that_died_leaves_the_drawing_to_this_process(tmp_path, worker_on):
    with pdfworker.started():
        worker = pdfworker._current
        assert worker is not None
        worker.proc.kill()
        worker.proc.wait()
        pdf, pages = html_to_pdf(PAGE, tmp_path, [tmp_path])
    assert pdf.startswith(b"%PDF") and pages == 1


def test_one_worker_draws_one_pdf_and_a_second_is_drawn_here(
    tmp_path, worker_on, no_weasyprint_here
):
    with pdfworker.started():
        html_to_pdf(PAGE, tmp_path, [tmp_path])
        with pytest.raises(ImportError):  # drawn here, where WeasyPrint cannot load
            html_to_pdf(PAGE, tmp_path, [tmp_path])


def test_an_unused_worker_is_stopped_quietly(worker_on, capfd):
    """A command that fails before drawing (a bad --out, a bad watchlist) stops its worker:
    no process is left behind, and nothing is printed."""
    with pytest.raises(ValueError), pdfworker.started():
        worker = pdfworker._current
        raise ValueError("the command failed before drawing")
    assert worker is not None and worker.proc.poll() is not None
    assert pdfworker._current is None
    err = capfd.readouterr().err
    assert "Traceback" not in err and err.strip() == ""


def test_zero_switches_the_worker_off(monkeypatch):
    monkeypatch.setenv(pdfworker.ENV, "0")
    with pdfworker.started():
        assert pdfworker._current is None


def test_screener_brief_draws_through_the_worker(
    tmp_path, monkeypatch, worker_on, no_weasyprint_here, demo_cache_home
):
    """The command end to end: the demo briefing drawn by the worker (this process cannot
    import WeasyPrint), its snapshot id inside the PDF as the manifest says."""
    import json
    import shutil

    from click.testing import CliRunner

    from screener.cli import main

    home = tmp_path / "home"
    shutil.copytree(demo_cache_home, home)
    monkeypatch.setenv("SCREENER_HOME", str(home))
    out = tmp_path / "briefs"
    (tmp_path / "ws").mkdir()
    args = ["--workspace", str(tmp_path / "ws"), "--demo", "--as-of", "2026-11-20", "brief"]
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    (pdf,) = out.glob("*.pdf")
    (manifest,) = out.glob("*.manifest.json")
    snapshot = json.loads(manifest.read_text())["snapshot_id"]
    assert pdf.read_bytes().startswith(b"%PDF") and pdf_snapshot_id(pdf.read_bytes()) == snapshot


def test_an_answer_cut_short_leaves_the_drawing_to_this_process(tmp_path, worker_on, monkeypatch):
    import pickle
    import types

    def cut_short(data: bytes):
        return pickle.loads(data[: len(data) // 2])

    monkeypatch.setattr(pdfworker, "pickle", types.SimpleNamespace(
        dumps=pickle.dumps, loads=cut_short, HIGHEST_PROTOCOL=pickle.HIGHEST_PROTOCOL
    ))  # fmt: skip
    with pdfworker.started():
        pdf, pages = html_to_pdf(PAGE, tmp_path, [tmp_path])
        assert pdfworker._current is not None and pdfworker._current.used
    assert pdf.startswith(b"%PDF") and pages == 1
