"""Watchlist edits: the person's text survives, refusals write nothing, writes are atomic,
concurrent changes are refused, and every change is in the history."""

from __future__ import annotations

import datetime as dt
import difflib
import errno
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from screener.errors import TickerError, WatchlistError
from screener.fsutil import exclusive_lock
from screener.paths import shipped
from screener.settings import Settings
from screener.watchlists import (
    HISTORY_FILE,
    changes_between,
    edit,
    load_all,
    load_watchlist,
    read_history,
    splice,
    stray_temp_files,
    transaction,
    validate_watchlists,
    watchlist_history,
    watchlist_paths,
)
from screener.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures" / "watchlists"
TODAY = dt.date.today()


@pytest.fixture
def ws(tmp_path, screener_home) -> Settings:
    """A workspace whose watchlists/ holds the shipped lists and the hand-written fixture."""
    folder = tmp_path / "ws" / "watchlists"
    folder.mkdir(parents=True)
    for path in [*watchlist_paths(shipped("watchlists")), FIXTURES / "handwritten.yaml"]:
        shutil.copy(path, folder / path.name)
    return Settings(workspace=Workspace.open(tmp_path / "ws"), home=screener_home)


CLOSING = "  # a comment after the last member, before the end of the list"


def wl_path(settings: Settings, name: str) -> Path:
    return settings.workspace.own_folder("watchlists") / f"{name}.yaml"


def comments(text: str) -> list[str]:
    """Every comment, full-line or end-of-line (a quoted " #" counts too; harmless here)."""
    return [m.group(1) for m in re.finditer(r"(?:^|\s)(#.*)$", text, flags=re.M)]


def add_sugon(settings: Settings, name: str = "handwritten", **kw) -> edit.EditResult:
    values = dict(
        thesis="Domestic AI accelerators",
        segments={"accelerators": 0.9},
        name_zh="中科曙光",
        name_en="Sugon",
    )
    return edit.add_member(settings, name, kw.pop("ticker", "603019"), **(values | kw))


# -- the person's text survives ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["handwritten", "compute", "application"])
@pytest.mark.parametrize("ticker", ["603019", "603019.SH"])
def test_add_then_remove_gives_back_the_original_bytes(ws, name, ticker):
    path = wl_path(ws, name)
    original = path.read_bytes()
    added = add_sugon(ws, name, ticker=ticker)
    assert added.ticker == "603019.SH" and added.action == "added"
    assert "603019.SH" in load_watchlist(path).tickers
    edit.remove_member(ws, name, ticker)
    assert path.read_bytes() == original


def test_add_inserts_only_the_new_member_after_the_last_one(ws):
    path = wl_path(ws, "handwritten")
    before = path.read_text(encoding="utf-8").splitlines()
    add_sugon(ws, tags=["asic"])
    after = path.read_text(encoding="utf-8").splitlines()
    diff = [d for d in difflib.ndiff(before, after) if d[:1] in "+-"]
    assert all(d.startswith("+ ") for d in diff), diff  # nothing removed or changed
    added = [d[2:] for d in diff]
    assert added[0] == "  - ticker: 603019.SH"
    assert "    segments:" in added  # block style, like the member before it
    assert "    tags: [asic]" in added
    # the new member goes above the comments that close the list
    assert after.index("  - ticker: 603019.SH") < after.index(
        "  # a comment after the last member, before the end of the list"
    )


def test_remove_keeps_every_comment_outside_the_member(ws):
    path = wl_path(ws, "handwritten")
    text = path.read_text(encoding="utf-8")
    edit.remove_member(ws, "handwritten", "NVDA")
    new = path.read_text(encoding="utf-8")
    nvda = text[text.index("  - ticker: NVDA") : text.index("  # a comment after the last")]
    assert new == text.replace(nvda, "")
    assert comments(new) == [c for c in comments(text) if c not in comments(nvda)]
    assert "  # --- accelerators: block-style segments, no tags" in new


def test_removing_the_member_above_a_group_comment_keeps_the_comment(ws):
    path = wl_path(ws, "compute")
    text = path.read_text(encoding="utf-8")
    edit.remove_member(ws, "compute", "300308.SZ")
    new = path.read_text(encoding="utf-8")
    assert comments(new) == comments(text)
    assert "  # Chiplet chain: the report recommends it" in new
    assert "300308.SZ" not in new
    start = text.index("  - ticker: 300308.SZ")
    member = text[start : text.index("  # Chiplet chain", start)]
    assert new == text.replace(member, "")


def test_set_changes_only_that_members_lines_and_keeps_styles(ws):
    path = wl_path(ws, "handwritten")
    text = path.read_text(encoding="utf-8")
    result = edit.set_member(ws, "handwritten", "300308.SZ", segments={"optical": 0.8})
    assert result.action == "re-weighted" and result.changed == ("segments",)
    new = path.read_text(encoding="utf-8")
    changed = [d for d in difflib.ndiff(text.splitlines(), new.splitlines()) if d[:1] in "+-"]
    assert [d[:1] for d in changed] == ["-", "+"]
    assert changed[1][2:].startswith("    segments: {optical: 0.8}")  # still a flow map
    assert changed[1].endswith("# flow map, two decimals kept")  # its comment stays
    assert '  - ticker: "300308"' in new and "name_en: 'Zhongji Innolight'" in new


def test_set_keeps_the_quoting_of_a_replaced_value(ws):
    path = wl_path(ws, "handwritten")
    edit.set_member(ws, "handwritten", "NVDA", thesis="Still #1: the pace-setter")
    assert '    thesis: "Still #1: the pace-setter"\n' in path.read_text(encoding="utf-8")


def test_set_adds_a_missing_key_in_order_and_leaves_the_closing_comment_alone(ws):
    path = wl_path(ws, "handwritten")
    text = path.read_text(encoding="utf-8")
    result = edit.set_member(ws, "handwritten", "NVDA", tags=["gpu", "cuda"], mix_note="DC share")
    assert result.action == "edited" and set(result.changed) == {"tags", "mix_note"}
    new = path.read_text(encoding="utf-8")
    assert comments(new) == comments(text)
    lines = new.splitlines()
    nvda = lines.index("  - ticker: NVDA")
    block = lines[
        nvda : lines.index("  # a comment after the last member, before the end of the list")
    ]
    keys = [ln.split(":")[0].strip() for ln in block if ln.startswith("    ") and ":" in ln]
    keys = [k for k in keys if not k.startswith(("#", "accelerators", "networking"))]
    assert keys == [
        *["name_zh", "name_en", "segments", "mix_source", "mix_note", "thesis", "added", "tags"]
    ]
    assert block[-1] == "    tags: [gpu, cuda]"


def test_a_set_that_changes_nothing_writes_nothing(ws):
    path = wl_path(ws, "compute")
    assert edit.set_member(ws, "compute", "300308", segments={"optical": 0.9}).action == (
        "re-weighted"
    )
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    history = read_history(ws.home)
    result = edit.set_member(ws, "compute", "300308", segments={"optical": 0.9})
    assert result.action == "unchanged"
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime
    assert read_history(ws.home) == history


@pytest.mark.parametrize("variant", ["crlf", "no final newline"])
def test_line_endings_and_a_missing_final_newline_survive(ws, variant):
    path = wl_path(ws, "handwritten")
    raw = path.read_bytes()
    raw = raw.replace(b"\n", b"\r\n") if variant == "crlf" else raw.rstrip(b"\n")
    path.write_bytes(raw)
    add_sugon(ws)
    if variant == "crlf":
        assert b"\n" not in path.read_bytes().replace(b"\r\n", b"")
    edit.remove_member(ws, "handwritten", "603019.SH")
    assert path.read_bytes() == raw


def test_create_then_add_gives_a_valid_block_style_list(ws):
    result = edit.create_watchlist(
        ws, "optical", title_zh="光模块", title_en="Optical: modules", side="compute"
    )
    assert result.action == "created" and result.backup is None
    add_sugon(ws, "optical")
    edit.add_member(ws, "optical", "NVDA", thesis="GPUs", name_zh="英伟达", name_en="NVIDIA")
    path = wl_path(ws, "optical")
    wl = load_watchlist(path)
    assert wl.title.en == "Optical: modules" and wl.tickers == ["603019.SH", "NVDA"]
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# optical: created by `screener watchlist create`")
    assert "members:\n  - ticker: 603019.SH\n" in text


def test_the_first_edit_copies_the_shipped_lists_into_the_workspace(tmp_path, screener_home):
    (tmp_path / "ws").mkdir()
    settings = Settings(workspace=Workspace.open(tmp_path / "ws"), home=screener_home)
    shipped_bytes = {p.name: p.read_bytes() for p in watchlist_paths(shipped("watchlists"))}
    result = add_sugon(settings, "application")
    own = tmp_path / "ws" / "watchlists"
    assert result.seeded_folder == own and result.path == own / "application.yaml"
    assert {p.name for p in watchlist_paths(own)} == set(shipped_bytes)
    assert (own / "compute.yaml").read_bytes() == shipped_bytes["compute.yaml"]
    assert (own / "application.yaml.bak").read_bytes() == shipped_bytes["application.yaml"]
    assert {p.name: p.read_bytes() for p in watchlist_paths(shipped("watchlists"))} == (
        shipped_bytes
    )
    assert add_sugon(settings, "compute").seeded_folder is None


def test_the_backup_is_the_previous_version_and_never_a_watchlist(ws):
    path = wl_path(ws, "compute")
    first = path.read_bytes()
    add_sugon(ws, "compute")
    second = path.read_bytes()
    assert path.with_name("compute.yaml.bak").read_bytes() == first
    edit.remove_member(ws, "compute", "603019.SH")
    assert path.with_name("compute.yaml.bak").read_bytes() == second
    assert [p.name for p in watchlist_paths(path.parent)] == [
        "application.yaml",
        "compute.yaml",
        "handwritten.yaml",
    ]


def test_an_edit_keeps_the_files_permissions(ws):
    path = wl_path(ws, "compute")
    path.chmod(0o640)
    add_sugon(ws, "compute")
    assert path.stat().st_mode & 0o777 == 0o640


# -- refusals write nothing -------------------------------------------------------------------

REFUSALS = [
    ("duplicate", dict(ticker="300308"), WatchlistError, "300308.SZ is already on handwritten"),
    ("bad code", dict(ticker="60051"), TickerError, "ticker '60051'"),
    ("bad suffix", dict(ticker="AAPL.SZ"), TickerError, "ticker 'AAPL.SZ'"),
    ("index", dict(ticker="000300.SH"), WatchlistError, "000300.SH is an index"),
    ("dotted suffix", dict(ticker="NVDA.X"), TickerError, "ticker 'NVDA.X'"),
    ("unknown segment", dict(segments={"optics": 0.5}), WatchlistError, "unknown segment 'optics'"),
    ("sum over 1", dict(segments={"optical": 0.7, "edge": 0.5}), WatchlistError, "sum to 1.200"),
    ("weight over 1", dict(segments={"optical": 1.5}), WatchlistError, "weight of optical is 1.5"),
    ("negative", dict(segments={"optical": -0.1}), WatchlistError, "must be in [0, 1]"),
    ("nan", dict(segments={"optical": float("nan")}), WatchlistError, "must be in [0, 1]"),
    ("no thesis", dict(thesis="  "), WatchlistError, "a thesis is required"),
    ("unknown list", dict(name="nope"), WatchlistError, "no watchlist named 'nope'"),
    ("dot-dot", dict(name="../compute"), WatchlistError, "watchlist name '../compute'"),
    ("absolute", dict(name="/tmp/x"), WatchlistError, "watchlist name '/tmp/x'"),
    ("slash", dict(name="a/b"), WatchlistError, "watchlist name 'a/b'"),
    ("hidden", dict(name=".compute"), WatchlistError, "watchlist name '.compute'"),
    ("newline", dict(name="compute\n"), WatchlistError, "watchlist name 'compute\\n'"),
]


def snapshot(settings: Settings) -> dict[str, bytes]:
    folder = settings.workspace.own_folder("watchlists")
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize(
    ("kwargs", "error", "words"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_every_refused_add_leaves_every_file_byte_identical(ws, kwargs, error, words):
    before = snapshot(ws)
    kwargs = dict(kwargs)
    name = kwargs.pop("name", "handwritten")
    with pytest.raises(error) as info:
        add_sugon(ws, name, **kwargs)
    assert words in str(info.value) and "\n" not in str(info.value)
    assert snapshot(ws) == before  # no change, no backup, no temporary file
    assert read_history(ws.home) == []


def test_a_bare_code_shared_with_an_index_is_added_as_the_stock(ws):
    """000001 is Ping An Bank (000001.SZ) and the SSE Composite (000001.SH); a watchlist holds
    no index, so the stock is meant."""
    result = add_sugon(ws, ticker="000001", name_zh="平安银行", name_en="Ping An Bank")
    assert result.ticker == "000001.SZ"
    assert "ticker: 000001.SZ" in wl_path(ws, "handwritten").read_text(encoding="utf-8")


def test_a_name_is_required_when_the_cache_has_none(ws):
    before = snapshot(ws)
    with pytest.raises(WatchlistError, match=r"no name for 603019.SH: .* --name"):
        add_sugon(ws, name_zh=None, name_en=None)
    assert snapshot(ws) == before
    assert not ws.cache_path.exists()  # looking for a name never creates the cache


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda s: edit.remove_member(s, "handwritten", "603019"), "not on watchlist handwritten"),
        (lambda s: edit.remove_member(s, "handwritten", "60051"), "ticker '60051'"),
        (lambda s: edit.set_member(s, "handwritten", "NVDA"), "nothing to change"),
        (lambda s: edit.set_member(s, "handwritten", "NVDA", thesis=" "), "thesis cannot be"),
        (
            lambda s: edit.set_member(s, "handwritten", "NVDA", segments={"edge": 1.2}),
            "weight of edge is 1.2",
        ),
        (
            lambda s: edit.set_member(s, "handwritten", "MSFT", thesis="x"),
            "MSFT is not on watchlist handwritten",
        ),
        (lambda s: edit.create_watchlist(s, "compute"), "watchlist 'compute' already exists"),
        (lambda s: edit.create_watchlist(s, "../up"), "watchlist name '../up'"),
        (lambda s: edit.create_watchlist(s, "Caps"), "watchlist name 'Caps'"),
    ],
)
def test_every_refused_edit_leaves_every_file_byte_identical(ws, call, words):
    before = snapshot(ws)
    with pytest.raises((WatchlistError, TickerError), match=None) as info:
        call(ws)
    assert words in str(info.value)
    assert snapshot(ws) == before
    assert not (ws.workspace.root / "up.yaml").exists()


def test_a_file_already_broken_by_hand_is_refused_with_its_line(ws):
    path = wl_path(ws, "handwritten")
    path.write_text(
        path.read_text(encoding="utf-8").replace("{optical: 0.90,", "{optical: 1.90,"), "utf-8"
    )
    before = snapshot(ws)
    with pytest.raises(
        WatchlistError,
        match=rf"^{path}:16: .*segments.optical.*1.9.*\[0, 1\].*fix the file by hand",
    ):
        add_sugon(ws)
    assert snapshot(ws) == before


# -- atomic writes, interruptions and concurrent changes --------------------------------------


def test_a_failed_rename_leaves_the_old_file_and_no_temporary_file(ws, monkeypatch):
    path = wl_path(ws, "compute")
    original = path.read_bytes()
    real_replace = os.replace

    def failing_replace(src, dst):
        if Path(dst) == path:
            raise OSError(errno.EIO, "simulated I/O error")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(WatchlistError, match=r"cannot write .*compute.yaml: .*file is unchanged"):
        add_sugon(ws, "compute")
    assert path.read_bytes() == original
    assert stray_temp_files(ws) == []
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []
    assert read_history(ws.home) == []
    monkeypatch.undo()
    assert add_sugon(ws, "compute").action == "added"  # nothing left in the way


KILLED_EDIT = """
import os, sys, time
from pathlib import Path
real_replace = os.replace
def hang(src, dst):
    if Path(dst).name == "compute.yaml":
        Path(sys.argv[2]).write_text("at the rename")
        time.sleep(60)
    return real_replace(src, dst)
os.replace = hang
from screener.settings import Settings
from screener.workspace import Workspace
from screener.watchlists import add_member
settings = Settings(workspace=Workspace.open(sys.argv[1]), home=Path(sys.argv[3]))
add_member(settings, "compute", "600519", thesis="t", name_zh="茅台", name_en="Moutai")
"""


@pytest.mark.slow
def test_a_process_killed_between_temporary_file_and_rename_loses_nothing(ws, tmp_path):
    path = wl_path(ws, "compute")
    original = path.read_bytes()
    marker = tmp_path / "marker"
    args = [str(ws.workspace.root), str(marker), str(ws.home)]
    proc = subprocess.Popen([sys.executable, "-c", KILLED_EDIT, *args])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the edit never reached the rename"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert path.read_bytes() == original
    strays = stray_temp_files(ws)
    assert len(strays) == 1 and strays[0].name.startswith(".compute.yaml.")
    assert b"600519.SH" in strays[0].read_bytes()  # the new version was complete, not renamed
    assert [wl.name for wl in load_all(Settings(workspace=Workspace.open(path.parent.parent)))] == [
        "application",
        "compute",
        "handwritten",
    ]
    assert all(c.ok for c in validate_watchlists(ws))
    assert read_history(ws.home) == []
    assert edit.add_member(ws, "compute", "600519", thesis="t", name_zh="茅台", name_en="M").after


def test_a_change_made_by_someone_else_after_reading_is_refused(ws):
    path = wl_path(ws, "handwritten")
    draft = transaction.open_draft(ws, "handwritten")
    theirs = path.read_text(encoding="utf-8").replace("two lines.", "two lines, edited.")
    path.write_text(theirs, encoding="utf-8")
    ours = splice.append_member_text(draft.text, {"ticker": "603019.SH"} | MEMBER_VALUES)
    with pytest.raises(WatchlistError, match="changed on disk since it was read"):
        transaction.save_draft(draft, ours)
    assert path.read_text(encoding="utf-8") == theirs
    assert not path.with_name("handwritten.yaml.bak").exists()


def test_a_change_made_just_before_the_rename_is_refused(ws, monkeypatch):
    """Someone saves the file while our new version is being flushed: the hash compared just
    before the rename catches it."""
    path = wl_path(ws, "handwritten")
    theirs = path.read_bytes().replace(b"two lines.", b"two lines, edited.")
    real_fsync = os.fsync
    done = []

    def fsync_then_someone_saves(fd):
        real_fsync(fd)
        name = Path(os.readlink(f"/proc/self/fd/{fd}")).name
        if not done and name.startswith(".handwritten.yaml.") and name.endswith(".tmp"):
            done.append(True)
            path.write_bytes(theirs)

    monkeypatch.setattr(os, "fsync", fsync_then_someone_saves)
    with pytest.raises(WatchlistError, match="changed on disk since it was read"):
        add_sugon(ws)
    assert done and path.read_bytes() == theirs
    assert stray_temp_files(ws) == []
    assert read_history(ws.home) == []


def test_edits_from_two_threads_queue_up_and_both_land(ws):
    errors: list[BaseException] = []

    def add(ticker: str, name: str) -> None:
        try:
            edit.add_member(ws, "compute", ticker, thesis="t", name_zh=name, name_en=name)
        except BaseException as exc:  # collected and re-raised by the test below
            errors.append(exc)

    threads = [
        threading.Thread(target=add, args=("603019", "中科曙光")),
        threading.Thread(target=add, args=("000977", "浪潮信息")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    tickers = load_watchlist(wl_path(ws, "compute")).tickers
    assert {"603019.SH", "000977.SZ"} <= set(tickers)
    assert len(read_history(ws.home)) == 2


def test_an_edit_waits_for_the_lock_then_gives_up_writing_nothing(ws, monkeypatch):
    monkeypatch.setattr(transaction, "_LOCK_TIMEOUT_S", 0.2)
    before = snapshot(ws)
    held = exclusive_lock(ws.home / transaction.LOCK_FILE)
    with held, pytest.raises(WatchlistError, match="another watchlist edit holds"):
        add_sugon(ws)
    assert snapshot(ws) == before


MEMBER_VALUES = {
    "name_zh": "中科曙光",
    "name_en": "Sugon",
    "segments": {"accelerators": 0.9},
    "mix_source": "estimate",
    "thesis": "x",
    "added": dt.date(2026, 1, 2),
}


# -- history ----------------------------------------------------------------------------------


def test_every_edit_is_recorded_with_before_and_after(ws):
    add_sugon(ws, tags=["asic"])
    edit.set_member(ws, "handwritten", "603019.SH", segments={"accelerators": 0.8, "edge": 0.1})
    edit.set_member(ws, "handwritten", "603019.SH", thesis="Now with edge IP")
    edit.remove_member(ws, "handwritten", "603019")
    records = read_history(ws.home)
    assert [r["action"] for r in records] == ["added", "re-weighted", "edited", "removed"]
    assert all(r["list"] == "handwritten" and r["ticker"] == "603019.SH" for r in records)
    added, reweighted, edited, removed = records
    assert added["before"] is None and added["after"]["tags"] == ["asic"]
    assert added["after"]["added"] == TODAY.isoformat() and added["after"]["added_by"] == "us"
    assert reweighted["before"]["segments"] == {"accelerators": 0.9}
    assert reweighted["after"]["segments"] == {"accelerators": 0.8, "edge": 0.1}
    assert reweighted["summary"] == (
        "re-weighted 603019.SH 中科曙光 on handwritten: accelerators 0.90, other 0.10 → "
        "accelerators 0.80, edge 0.10, other 0.10"
    )
    assert edited["changed"] == ["thesis"] and edited["after"]["thesis"] == "Now with edge IP"
    assert removed["before"]["thesis"] == "Now with edge IP" and removed["after"] is None
    assert all(r["when"].date() == TODAY and r["when"].tzinfo for r in records)
    assert records[0]["file"] == str(wl_path(ws, "handwritten"))


def test_changes_between_selects_by_local_date_folder_and_kind(ws, tmp_path):
    edit.create_watchlist(ws, "new-list")
    add_sugon(ws, "new-list")
    week = TODAY - dt.timedelta(days=6), TODAY
    changes = changes_between(ws.home, *week)
    assert [(c["list"], c["action"], c["ticker"]) for c in changes] == [
        ("new-list", "added", "603019.SH")
    ]
    with_lists = changes_between(ws.home, *week, include_lists=True)
    assert [c["action"] for c in with_lists] == ["created", "added"]
    yesterday = TODAY - dt.timedelta(days=1)
    assert changes_between(ws.home, yesterday - dt.timedelta(days=6), yesterday) == []
    assert changes_between(ws.home, *week, folder=ws.workspace.own_folder("watchlists"))
    assert changes_between(ws.home, *week, folder=tmp_path / "elsewhere") == []


def test_history_for_one_list_and_a_damaged_line(ws, caplog):
    add_sugon(ws)
    add_sugon(ws, "compute")
    with open(ws.home / HISTORY_FILE, "a", encoding="utf-8") as fh:
        fh.write('{"at": "cut short by a cra')  # a crash mid-append
    with caplog.at_level(logging.WARNING, logger="screener.watchlists"):
        records = watchlist_history(ws, "compute")
    assert [(r["list"], r["ticker"]) for r in records] == [("compute", "603019.SH")]
    assert f"{HISTORY_FILE}:3: skipped an unreadable history line" in caplog.text
    assert json.loads((ws.home / HISTORY_FILE).read_text().splitlines()[0])["list"] == (
        "handwritten"
    )


# -- names from the market-data cache ---------------------------------------------------------


def test_names_come_from_the_cache_when_it_has_them(ws, caplog):
    import pandas as pd

    from screener.data.cache import Attempt, Cache, utc_now
    from screener.data.schema import conform_fundamentals

    frame = pd.DataFrame(
        [["603019.SH", "2026-11-20", "中科曙光", "CNY", 1e11, 100.0, 10.0, "Tech", "Chips"]],
        columns=[
            "ticker",
            "as_of",
            "name",
            "currency",
            "market_cap",
            "pe_ttm",
            "pb",
            "sector",
            "industry",
        ],
    )
    attempt = Attempt("demo", "fundamentals", None, None, None, "ok", utc_now(), utc_now())
    with Cache(ws.cache_path) as cache:
        cache.store_fundamentals(conform_fundamentals(frame, provider="demo"), [attempt])
    result = add_sugon(ws, name_zh=None, name_en="Sugon Information Industry")
    assert result.after["name_zh"] == "中科曙光"
    assert result.after["name_en"] == "Sugon Information Industry"
    result = add_sugon(ws, "compute", name_zh=None, name_en=None)
    # one name known: it goes to the field of its script, never copied into the other (issue 16)
    assert (result.after["name_zh"], result.after["name_en"]) == ("中科曙光", "")
    assert (
        "name_en"
        not in (ws.workspace.own_folder("watchlists") / "compute.yaml")
        .read_text(encoding="utf-8")
        .split("603019.SH")[1]
        .split("- ticker")[0]
    )


# -- property: any text a person types goes in and comes out exactly --------------------------

_TEXT = (
    st.text(
        st.characters(
            categories=("L", "N", "P", "S", "Zs"),
            exclude_characters="\x85\u2028\u2029\ufeff",
        ),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)


@pytest.mark.slow
@hyp_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(thesis=_TEXT, name=_TEXT, tags=st.lists(_TEXT, max_size=3, unique=True))
@example(thesis="0", name="?0", tags=["?0", "? a"])  # plain ?0 in [..] reads back as {0: null}
def test_any_text_round_trips_and_add_remove_is_the_identity(thesis, name, tags):
    text = (FIXTURES / "handwritten.yaml").read_text(encoding="utf-8")
    values = MEMBER_VALUES | {"thesis": thesis, "name_en": name} | ({"tags": tags} if tags else {})
    added = splice.append_member_text(text, {"ticker": "603019.SH"} | values)
    wl = load_watchlist_text(added)
    member = wl.members[-1]
    assert (member.thesis, member.name_en, member.tags) == (thesis, name, tags)
    assert splice.delete_member_text(added, "603019.SH") == text
    updated = splice.update_member_text(added, "603019.SH", {"thesis": name})
    assert load_watchlist_text(updated).members[-1].thesis == name
    assert splice.delete_member_text(updated, "603019.SH") == text


def load_watchlist_text(text: str):
    from screener.watchlists import load_watchlist_bytes

    return load_watchlist_bytes(Path("handwritten.yaml"), text.encode("utf-8"))


def test_fixture_is_what_the_tests_assume():
    text = (FIXTURES / "handwritten.yaml").read_text(encoding="utf-8")
    assert load_watchlist(FIXTURES / "handwritten.yaml").tickers == ["300308.SZ", "NVDA"]
    assert len(comments(text)) == 13


@pytest.mark.parametrize(
    ("extra", "error"),
    [({}, None), ({"segments": {"nope": 0.5}}, "unknown segment 'nope'"),
     ({"ticker": "NVDA"}, "NVDA is listed twice")],
)  # fmt: skip
def test_an_appended_member_is_checked_as_the_whole_list_would_check_it(monkeypatch, extra, error):
    """A list validated moments ago and the same list with one member appended (an add): the
    new member alone is checked (a 10,000-member list is not validated twice), and the result,
    or the error, is what the whole-list check gives."""
    from screener.watchlists import schema

    segments = {"optical", "accelerators", "networking", "edge", "foundry"}
    path = Path("handwritten.yaml")
    text = (FIXTURES / "handwritten.yaml").read_text(encoding="utf-8")
    added = splice.append_member_text(text, {"ticker": "603019.SH"} | MEMBER_VALUES | extra)
    whole = []
    real = schema._validate_document
    monkeypatch.setattr(schema, "_validate_document", lambda *a: whole.append(1) or real(*a))

    def both():
        schema._VALIDATED.clear()
        schema.load_watchlist_bytes(path, text.encode(), segments)  # the list as read
        out = []
        for keep in (True, False):  # by its difference, then whole
            if not keep:
                schema._VALIDATED.clear()
            try:
                out.append(schema.load_watchlist_bytes(path, added.encode(), segments))
            except WatchlistError as exc:
                out.append(str(exc))
        return out

    quick, slow = both()
    if error is None:
        assert quick.model_dump() == slow.model_dump() and quick.tickers[-1] == "603019.SH"
        assert len(whole) == 2  # the list as read, and the whole check: not the quick one
    else:
        assert quick == slow and error in quick


# -- an add on a list read moments ago: the new document built, not read again (issue 18) --------


def _reading(doc):
    """A document as comparable data: each value with its type and, for mappings and lists,
    the lines the reader gave them."""
    from screener.config.linedoc import LineList, LineMap

    if isinstance(doc, LineMap):
        return ("map", doc.line, [(k, doc.lines[k], _reading(v)) for k, v in doc.items()])
    if isinstance(doc, LineList):
        return ("list", doc.line, list(doc.lines), [_reading(v) for v in doc])
    return (type(doc).__name__, doc)


def _plain_list(members: list[str], before: str, after: str, final_newline: bool) -> str:
    head = "name: handwritten\ntitle: {zh: 清单, en: Plain list}\nside: compute\n" + before
    text = head + "members:\n" + "".join(members) + after
    return text if final_newline else text.rstrip("\n")


_MEMBER_FORMS = [
    "  - ticker: 300308.SZ\n    name_en: Zhongji Innolight\n    segments: {optical: 0.9}\n"
    "    mix_source: estimate\n    thesis: '800G: yes, on'\n    added: 2024-01-02\n",
    "  # --- a block comment ---\n  - ticker: NVDA\n    name_zh: 英伟达\n"
    "    segments:\n      accelerators: 0.75\n"
    "      networking: 0.13   # Mellanox\n    mix_source: estimate\n"
    '    thesis: "Sets the pace: #1"\n    added: 2023-03-19\n    tags: [gpu, t1]  # end of line\n',
    "\n  - ticker: 002230.SZ\n    name_zh: 科大讯飞\n    segments: {applications: 0.6}\n"
    "    mix_source: estimate\n    # between two keys\n    thesis: plain text, 010 and 1:20\n"
    "    added: 2025-06-30\n",
]


@pytest.mark.slow
@hyp_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    forms=st.lists(st.sampled_from(range(len(_MEMBER_FORMS))), min_size=1, max_size=3, unique=True),
    before=st.sampled_from(["", "description: a list\n", "# a comment\n\n"]),
    after=st.sampled_from(["", "\n", "  # after the last member\n", "\n# the end\n\n"]),
    final_newline=st.booleans(),
    thesis=_TEXT,
    tags=st.lists(_TEXT, max_size=2, unique=True),
)
def test_an_add_builds_the_document_a_full_reading_gives(
    forms, before, after, final_newline, thesis, tags
):
    """The document an add builds for its new text (the old one and the new member, not
    10,000 members read again) is the line reader's reading of that text: every value, type
    and line. Where the line reader cannot read the new text, the add reads it as before."""
    from screener.config import fast, lines

    text = _plain_list([_MEMBER_FORMS[i] for i in forms], before, after, final_newline)
    taken = []
    real = splice._read_as_appended
    fast._RECENT.clear()
    fast.compose(text)  # the list as the command read it
    values = {"ticker": "603019.SH"} | MEMBER_VALUES | {"thesis": thesis}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(splice, "_read_as_appended", lambda *a: taken.append(real(*a)) or taken[-1])
        added = splice.append_member_text(text, values | ({"tags": tags} if tags else {}))
    try:
        full = lines.compose_lines(added)
    except lines.Unsure:
        assert taken == [False]  # the line reader's business: not built
        return
    assert taken == [True]
    assert _reading(fast.compose(added)) == _reading(full)
    assert load_watchlist_text(added).members[-1].thesis == thesis


@pytest.mark.parametrize(
    "change",
    ["a key after the members", "a line separator in an earlier thesis", "read by libyaml"],
)
def test_an_add_reads_the_new_text_whole_where_the_build_is_not_sure(monkeypatch, change):
    from screener.config import fast, lines

    text = _plain_list(_MEMBER_FORMS[:2], "", "", True)
    if change == "a key after the members":
        text += "description: after the list\n"
    elif change == "a line separator in an earlier thesis":
        text = text.replace("800G: yes, on", "800G\u2028yes")
    else:
        text = text.replace("title: {", "title: &t {")  # an anchor: not the line reader's
    taken = []
    real = splice._read_as_appended
    monkeypatch.setattr(splice, "_read_as_appended", lambda *a: taken.append(real(*a)) or taken[-1])
    fast._RECENT.clear()
    fast.compose(text)
    added = splice.append_member_text(text, {"ticker": "603019.SH"} | MEMBER_VALUES)
    assert True not in taken
    assert load_watchlist_text(added).tickers[-1] == "603019.SH"
    if change == "a key after the members":
        assert _reading(fast.compose(added)) == _reading(lines.compose_lines(added))


def test_a_list_of_many_blank_lines_reads_in_one_pass(tmp_path):
    """A \\s* that crossed line ends made the line reader's block-scalar check quadratic: a
    list padded with 100,000 blank lines took minutes to read (it now reads at once)."""
    text = _plain_list(_MEMBER_FORMS[:1], "\n" * 100_000, "\n" * 100_000, True)
    path = tmp_path / "handwritten.yaml"
    path.write_text(text, encoding="utf-8")
    wl = load_watchlist(path)
    assert wl.tickers == ["300308.SZ"]
