"""Paths and names: nothing a person types, and no link in the workspace, leads a write out of
its folder; the renderer loads nothing from outside its template folders.

Decisions tested here:

- a watchlist name is ``[a-z0-9][a-z0-9_-]{0,39}``: ``../x``, ``/x``, ``a/b``, dots, upper case
  and control characters are refused by every command before any folder is touched;
- a watchlist *file* that is a symbolic link is read through (``show``, ``validate``) but never
  edited: ``add``/``remove``/``set``/``create`` refuse it and the link and its target stay as
  they were (the rename would otherwise turn the link into a copy, or the target go stale);
- the ``watchlists/`` *folder* may be a link: it is the person's choice of where lists live;
- ``brief --out`` is the person's choice: a folder (existing or not) gets ``<week>.pdf``, a
  path ending in ``.pdf`` is that file; an existing file that is not a PDF, a folder named like
  a PDF and a path below a file are refused in one line.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from screener.paths import shipped

from .support import LEDGER, changed_files, invoke, snapshot, traceback_in

AS_OF = ("--as-of", "2026-11-20")
NAMES = (
    "--thesis",
    "why",
    "--name",
    "寒武纪",
    "--name-en",
    "Cambricon",
    "--segment",
    "accelerators=0.5",
)
BAD_NAMES = ["../evil", "/tmp/evil", "a/b", "..", ".hidden", "core.yaml", "Core", "a" * 41]
BAD_NAMES += ["nul\x00name", "new\nline", "~", "con:"]
COMMANDS = {
    "create": ("watchlist", "create", "{name}"),
    "add": ("watchlist", "add", "{name}", "688256", *NAMES),
    "remove": ("watchlist", "remove", "{name}", "NVDA"),
    "set": ("watchlist", "set", "{name}", "NVDA", "--thesis", "x"),
    "show": ("watchlist", "show", "{name}"),
    "validate": ("watchlist", "validate", "{name}"),
    "history": ("watchlist", "history", "{name}"),
    "update": (*AS_OF, "data", "update", "--watchlist", "{name}"),
}


def run_refused(root: Path, args: list[str], *fragments: str) -> None:
    """``args`` exits 1 with one line holding ``fragments``; nothing under ``root`` changes."""
    before = snapshot(root)
    result = invoke(args)
    LEDGER["bad inputs"] += 1
    assert traceback_in(result) is None
    assert changed_files(before, snapshot(root)) == []
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    for fragment in fragments:
        assert fragment in result.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=list(COMMANDS))
@pytest.mark.parametrize("name", BAD_NAMES, ids=[repr(n) for n in BAD_NAMES])
def test_a_watchlist_name_never_leaves_the_folder(ws, home, tmp_path, command, name):
    args = [a.replace("{name}", name) for a in COMMANDS[command]]
    run_refused(tmp_path, ["--workspace", str(ws), *args], "watchlist name", repr(name))


# -- symbolic links in watchlists/ ----------------------------------------------------------------


@pytest.fixture
def outside(tmp_path: Path, ws: Path) -> Path:
    """A watchlist ``ext`` kept outside the workspace, linked in as watchlists/ext.yaml."""
    folder = tmp_path / "outside"
    folder.mkdir()
    text = (ws / "watchlists" / "core.yaml").read_text("utf-8").replace("name: core", "name: ext")
    (folder / "ext.yaml").write_text(text, "utf-8")
    (ws / "watchlists" / "ext.yaml").symlink_to(folder / "ext.yaml")
    return folder


EDITS = {
    "add": ("add", "ext", "688256", *NAMES),
    "remove": ("remove", "ext", "NVDA"),
    "set": ("set", "ext", "NVDA", "--thesis", "changed"),
}


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_an_edit_never_writes_through_a_linked_watchlist(ws, home, tmp_path, outside, edit):
    run_refused(tmp_path, ["--workspace", str(ws), "watchlist", *EDITS[edit]], "symbolic link")
    assert (ws / "watchlists" / "ext.yaml").is_symlink()


def test_a_linked_watchlist_is_still_read(ws, home, outside):
    result = invoke(["--workspace", str(ws), "watchlist", "show", "ext", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [m["ticker"] for m in json.loads(result.stdout)["members"]][:2] == ["300502.SZ", "NVDA"]


def test_create_refuses_a_dangling_link_and_creates_nothing_outside(ws, home, tmp_path):
    target = tmp_path / "outside-new.yaml"
    (ws / "watchlists" / "fresh.yaml").symlink_to(target)
    run_refused(tmp_path, ["--workspace", str(ws), "watchlist", "create", "fresh"], "symbolic link")
    assert not target.exists()


def test_a_backup_that_is_a_link_is_replaced_not_written_through(ws, home, tmp_path):
    decoy = tmp_path / "decoy.txt"
    decoy.write_text("not yours", "utf-8")
    (ws / "watchlists" / "core.yaml.bak").symlink_to(decoy)
    original = (ws / "watchlists" / "core.yaml").read_bytes()
    result = invoke(["--workspace", str(ws), "watchlist", "add", "core", "688256", *NAMES])
    assert result.exit_code == 0, result.output
    assert decoy.read_text("utf-8") == "not yours"
    backup = ws / "watchlists" / "core.yaml.bak"
    assert not backup.is_symlink() and backup.read_bytes() == original


def test_a_linked_watchlists_folder_is_the_persons_choice(tmp_path, home):
    """The folder itself may live elsewhere (a synced folder): edits go there, through it."""
    elsewhere = tmp_path / "synced" / "lists"
    shutil.copytree(Path(__file__).parent / "data", elsewhere)
    ws = tmp_path / "ws-linked"
    ws.mkdir()
    (ws / "watchlists").symlink_to(elsewhere, target_is_directory=True)
    result = invoke(["--workspace", str(ws), "watchlist", "add", "core", "688256", *NAMES])
    assert result.exit_code == 0, result.output
    assert "688256.SH" in (elsewhere / "core.yaml").read_text("utf-8")
    assert (ws / "watchlists").is_symlink()


# -- brief --out ----------------------------------------------------------------------------------

BRIEF = ("--demo", *AS_OF, "brief")


def brief(ws: Path, out: Path):
    return invoke(["--workspace", str(ws), *BRIEF, "--out", str(out)])


def test_out_an_existing_folder_gets_the_weeks_pdf(
    lists_ws, demo_home, tmp_path, html_instead_of_pdf
):
    ws = lists_ws  # the shipped model, read where it ships: this test spoils nothing in model/
    folder = tmp_path / "briefs"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine", "utf-8")
    result = brief(ws, folder)
    assert traceback_in(result) is None
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(folder / "2026-W47.en.pdf")
    assert sorted(p.name for p in folder.iterdir()) == [
        "2026-W47.en.manifest.json",
        "2026-W47.en.pdf",
        "keep.txt",
    ]
    assert (folder / "keep.txt").read_text("utf-8") == "mine"


def test_out_an_existing_file_that_is_not_a_pdf_is_refused(ws, demo_home, tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("my notes", "utf-8")
    run_refused(tmp_path, ["--workspace", str(ws), *BRIEF, "--out", str(target)], "notes.txt")


def test_out_a_folder_named_like_a_pdf_is_one_line(ws, demo_home, tmp_path):
    (tmp_path / "odd.pdf").mkdir()
    args = ["--workspace", str(ws), *BRIEF, "--out", str(tmp_path / "odd.pdf")]
    run_refused(tmp_path, args, "odd.pdf")


def test_out_below_a_file_is_one_line(ws, demo_home, tmp_path):
    (tmp_path / "afile").write_text("x", "utf-8")
    args = ["--workspace", str(ws), *BRIEF, "--out", str(tmp_path / "afile" / "b.pdf")]
    run_refused(tmp_path, args, "afile")


def test_a_snapshot_cannot_name_files_outside_its_folders(ws, demo_home, tmp_path):
    manifest = {
        "format": "screener-briefing-manifest/1",
        "week": "2026-W47",
        "as_of": {"day": "2026-11-20", "cn": "2026-11-20", "us": "2026-11-20"},
        "lang": "en",
        "demo": True,
        "model_files": {"../../escape.yaml": "x: 1\n"},
        "watchlist_files": {},
        "data": {},
        "changes": [],
        "snapshot_id": "0" * 12,
    }
    path = tmp_path / "evil.manifest.json"
    path.write_text(json.dumps(manifest), "utf-8")
    args = ["--workspace", str(ws), *BRIEF, "--snapshot", str(path), "--out", str(tmp_path)]
    run_refused(tmp_path, args, "model_files: '../../escape.yaml' is not a plain .yaml name")


# -- the renderer loads nothing from outside its folders ----------------------------------------


@pytest.mark.slow  # draws a PDF
def test_a_template_that_reaches_outside_fetches_nothing_and_writes_nothing(
    lists_ws, demo_home, tmp_path, listener, caplog
):
    ws = lists_ws  # the shipped model, read where it ships: this test spoils a template only
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }", "utf-8")
    assets = ws / "templates" / "assets"
    assets.mkdir(parents=True)
    (assets / "leak.css").symlink_to(secret)
    partial = shipped("templates") / "partials" / "disclaimer.html.j2"
    hostile = partial.read_text("utf-8").replace(
        "</section>",
        f'<img src="http://127.0.0.1:{listener.port}/beacon.png">'
        f'<link rel="stylesheet" href="file://{secret}">'
        '<link rel="stylesheet" href="assets/leak.css">\n</section>',
    )
    (ws / "templates" / "partials").mkdir()
    (ws / "templates" / "partials" / "disclaimer.html.j2").write_text(hostile, "utf-8")
    out = tmp_path / "briefs"
    with caplog.at_level(logging.INFO, logger="screener.report.render"):
        run_refused(tmp_path, ["--workspace", str(ws), *BRIEF, "--out", str(out)], "outside")
    refused = [r.getMessage() for r in caplog.records if "refused to load" in r.getMessage()]
    assert any("beacon.png" in m for m in refused)
    assert any(f"file://{secret}" in m for m in refused)
    assert any("leak.css" in m for m in refused)
    assert listener.hits == []
    assert not out.exists()
