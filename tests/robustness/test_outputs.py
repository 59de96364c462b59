"""A briefing's outputs written as a unit (issue 18): the PDF, its manifest and the HTML go to
temporary files first; a failure before they are all on disk leaves last week's files
byte-identical, and a PDF that does not belong to the manifest beside it is named when the
manifest is read."""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
from pathlib import Path

import pytest

from screener import fsutil

from .support import LEDGER, changed_files, invoke, snapshot, traceback_in

BRIEF = ["--demo", "--as-of", "2026-11-20", "brief", "--html"]


@pytest.fixture
def ws(lists_ws: Path) -> Path:
    """The ``core`` workspace without a model/ of its own: these tests spoil only outputs and
    the watchlist, so the shipped model is read where it ships (parsed once per worker)."""
    return lists_ws


@pytest.fixture
def stub_pdf(monkeypatch) -> None:
    """No PDF drawn: a placeholder whose bytes follow the HTML (as a real PDF's would)."""
    from screener.report import builder

    def draw(html: str, **kwargs) -> tuple[bytes, int]:
        return b"%PDF-1.7\n% " + hashlib.sha256(html.encode()).hexdigest().encode() + b"\n", 1

    monkeypatch.setattr(builder, "html_to_pdf", draw)


def _brief(ws: Path, out: Path):
    return invoke(["--workspace", str(ws), *BRIEF, "--out", str(out)])


def _first(ws: Path, out: Path) -> None:
    result = _brief(ws, out)
    assert result.exit_code == 0, result.output + result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "2026-W47.en.html",
        "2026-W47.en.manifest.json",
        "2026-W47.en.pdf",
    ]


#: a word no shipped file holds (the shipped model's texts do speak of 1.6T modules)
MARK = "QX-7741"


def _edit_thesis(ws: Path) -> None:
    """A change that alters every output (the thesis is in the HTML, the list in the manifest)."""
    path = ws / "watchlists" / "core.yaml"
    text = path.read_text()
    assert "800G transceivers" in text
    path.write_text(text.replace("800G transceivers", f"{MARK} transceivers"))


#: which staged file fails, and how (the errno a full disk or a quota gives)
FAILS = {
    "manifest-disk-full": ("manifest.json", errno.ENOSPC),
    "html-quota": (".html", errno.EDQUOT),
    "pdf-io-error": (".pdf.", errno.EIO),
}


@pytest.mark.parametrize("fail", FAILS, ids=list(FAILS))
def test_a_failed_write_leaves_last_weeks_outputs_byte_identical(
    ws, demo_home, stub_pdf, monkeypatch, fail
):
    out = ws / "briefs"
    _first(ws, out)
    _edit_thesis(ws)
    before = snapshot(out)
    part, code = FAILS[fail]
    real_open = os.open

    def failing_open(path, flags, *args, **kwargs):
        name = os.fspath(path)
        if Path(name).name.endswith(fsutil.TEMP_SUFFIX) and part in Path(name).name:
            raise OSError(code, os.strerror(code), name)
        return real_open(path, flags, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(fsutil.os, "open", failing_open)
        result = _brief(ws, out)
    LEDGER["faults injected"] += 1
    assert traceback_in(result) is None
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --out "), result.stderr
    assert os.strerror(code) in lines[0]
    assert changed_files(before, snapshot(out)) == []  # no byte changed, no temporary left


def test_a_kill_between_the_renames_is_named_when_the_manifest_is_read(
    ws, demo_home, stub_pdf, monkeypatch, caplog
):
    out = ws / "briefs"
    _first(ws, out)
    _edit_thesis(ws)
    real_replace = os.replace
    renamed: list[str] = []

    def dies_after_the_pdf(src, dst):
        if Path(dst).parent == out:
            if renamed:  # the process "dies" once the PDF is in place
                raise KeyboardInterrupt
            renamed.append(os.fspath(dst))
        return real_replace(src, dst)

    with monkeypatch.context() as patch:
        patch.setattr(fsutil.os, "replace", dies_after_the_pdf)
        _brief(ws, out)
    LEDGER["faults injected"] += 1
    assert [Path(p).name for p in renamed] == ["2026-W47.en.pdf"]
    assert not [p for p in out.iterdir() if fsutil.is_temp_file(p)]
    manifest = out / "2026-W47.en.manifest.json"
    old = json.loads(manifest.read_text())
    assert MARK not in json.dumps(old)  # last week's manifest, beside this run's PDF
    with caplog.at_level(logging.WARNING, logger="screener.report.builder"):
        again = invoke(
            ["--workspace", str(ws), "brief", "--snapshot", str(manifest), "--out", str(ws / "x")]
        )
    assert again.exit_code == 0, again.output + again.stderr
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1 and "2026-W47.en.pdf is not the file manifest" in warned[0]
    assert old["snapshot_id"] in warned[0]


def test_the_manifest_check_passes_a_pdf_that_belongs(ws, demo_home, stub_pdf, caplog):
    out = ws / "briefs"
    _first(ws, out)
    manifest = out / "2026-W47.en.manifest.json"
    with caplog.at_level(logging.WARNING, logger="screener.report.builder"):
        again = invoke(
            ["--workspace", str(ws), "brief", "--snapshot", str(manifest), "--out", str(ws / "x")]
        )
    assert again.exit_code == 0, again.output + again.stderr
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_write_all_atomic_stages_everything_before_renaming(tmp_path, monkeypatch):
    files = [(tmp_path / f"f{i}", f"old {i}".encode()) for i in range(3)]
    for path, data in files:
        path.write_bytes(data)
    before = snapshot(tmp_path)
    real_fsync = os.fsync
    calls = []

    def third_fails(fd):
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    monkeypatch.setattr(fsutil.os, "fsync", third_fails)
    with pytest.raises(OSError, match="No space"):
        fsutil.write_all_atomic([(p, b"new") for p, _ in files])
    monkeypatch.undo()
    LEDGER["faults injected"] += 1
    assert changed_files(before, snapshot(tmp_path)) == []
    fsutil.write_all_atomic([(p, b"new") for p, _ in files])
    assert [p.read_bytes() for p, _ in files] == [b"new"] * 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f0", "f1", "f2"]
