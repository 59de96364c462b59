"""Hostile input (issue 18): workspace templates and texts that try to run code or read files,
and the briefing that must refuse them in one line, having run nothing and written nothing.

A shared workspace (a clone of a colleague's lists) is untrusted: its ``templates/`` are
rendered in Jinja's immutable sandbox by a loader that refuses any file whose real path leaves
the template folders, and its i18n texts are checked when they load (plain ``{name}``
placeholders, each one the code fills). Each row spoils the workspace, runs ``brief`` on demo
data whose cache already holds everything, and checks: exit 1, one ``error:`` line naming the
file (and line), no traceback, every byte of the workspace and $SCREENER_HOME as it was, and
no marker file, which a command that ran would have created.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from screener.paths import shipped

from .support import LEDGER, changed_files, invoke, snapshot, traceback_in
from .test_bad_input import Case, _fill, replace

BRIEF = ("--demo", "--as-of", "2026-11-20", "brief", "--out", "{ws}/out")
MARKER = "pwned"


def own_template(rel: str, change) -> callable:
    """A workspace copy of the shipped template ``rel``, changed by ``change(text, ws)``;
    ``{line}`` is the line of the first changed line."""

    def setup(ws: Path) -> dict[str, str]:
        text = (shipped("templates") / rel).read_text("utf-8")
        new = change(text, ws)
        path = ws / "templates" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(new, "utf-8")
        pairs = enumerate(zip(text, new, strict=False))
        same = next((i for i, (a, b) in pairs if a != b), min(len(text), len(new)))
        return {"line": str(text[:same].count("\n") + 1)}

    return setup


def appended(payload: str):
    """``payload`` (``{ws}`` filled) appended on a line of its own."""
    return lambda text, ws: text + payload.replace("{ws}", str(ws)) + "\n"


def replaced(old: str, new: str):
    """A change of ``old`` to ``new`` in a shipped text; ``old`` must be there (a case whose
    text the shipped file no longer holds would test nothing)."""

    def change(text: str, ws: Path) -> str:
        assert old in text, f"the shipped text no longer holds {old!r}"
        return text.replace(old, new.replace("{ws}", str(ws)), 1)

    return change


def linked(rel: str, target: str, then=None):
    """``templates/<rel>`` a symbolic link to ``target`` (outside the workspace); ``then``
    runs next (e.g. a template that includes the link)."""

    def setup(ws: Path) -> dict[str, str]:
        secret = ws.parent / target
        secret.write_text("SECRET-CONTENT: no template should ever show this\n", "utf-8")
        path = ws / "templates" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(secret)
        return (then(ws) or {}) if then else {}

    return setup


def latin1(setup, rel: str):
    """``setup``, then the template's ``é`` written as Latin-1 (one byte that is not UTF-8)."""

    def spoil(ws: Path) -> dict[str, str]:
        subs = setup(ws)
        path = ws / "templates" / rel
        path.write_bytes(path.read_bytes().replace("é".encode(), b"\xe9"))
        return subs

    return spoil


DISCLAIMER = "partials/disclaimer.html.j2"
RUN_OS = "{{ cycler.__init__.__globals__.os.system('touch {ws}/" + MARKER + "') }}"

TEMPLATES = [
    Case(
        "tpl-cycler-globals-os-system",
        BRIEF,
        ("disclaimer.html.j2:{line}:", "refused", "__init__"),
        own_template(DISCLAIMER, appended(RUN_OS)),
    ),
    Case(
        "tpl-lipsum-globals-popen",
        BRIEF,
        ("disclaimer.html.j2:{line}:", "refused", "__globals__"),
        own_template(
            DISCLAIMER, appended("{{ lipsum.__globals__['os'].popen('touch {ws}/pwned').read() }}")
        ),
    ),
    Case(
        "tpl-joiner-mro-subclasses",
        BRIEF,
        ("cover.html.j2:{line}:", "refused"),
        own_template(
            "partials/cover.html.j2",
            replaced("<table", "{{ joiner.__class__.__mro__[1].__subclasses__() }}<table"),
        ),
    ),
    Case(
        "tpl-format-string-walk",
        BRIEF,
        ("disclaimer.html.j2:{line}:", "refused"),
        own_template(DISCLAIMER, appended("{{ '{0.__class__.__base__}'.format(risks) }}")),
    ),
    Case(
        "tpl-list-mutated",
        BRIEF,
        ("disclaimer.html.j2:{line}:", "refused", "append"),
        own_template(DISCLAIMER, appended("{% set _ = risks.append('<b>x</b>') %}")),
    ),
    Case(
        "tpl-string-bomb",
        BRIEF,
        ("disclaimer.html.j2:{line}:", "refused", "longer than"),
        own_template(DISCLAIMER, appended("{{ 'ab' * 900000000 }}")),
    ),
    Case(
        "tpl-power-bomb",
        BRIEF,
        ("disclaimer.html.j2:{line}:", "refused", "exponent"),
        own_template(DISCLAIMER, appended("{{ 7 ** 99999999 }}")),
    ),
    Case(
        "tpl-division-by-zero",
        BRIEF,
        ("disclaimer.html.j2:{line}:", "ZeroDivisionError"),
        own_template(DISCLAIMER, appended("{{ 1 // 0 }}")),
    ),
    Case(
        "tpl-float-of-text",
        BRIEF,
        ("disclaimer.html.j2:{line}:", "TypeError"),
        own_template(DISCLAIMER, appended("{{ t.sec_risks | float(default=None) + 1 }}")),
    ),
    Case(
        "tpl-self-include",
        BRIEF,
        ("disclaimer.html.j2", "RecursionError"),
        own_template(DISCLAIMER, appended('{% include "' + DISCLAIMER + '" %}')),
    ),
    Case(
        "tpl-include-symlink-out",
        BRIEF,
        ("disclaimer.html.j2:", "leads to", "outside the template folders"),
        linked(
            "partials/leak.html.j2",
            "secret.txt",
            own_template(DISCLAIMER, appended('{% include "partials/leak.html.j2" %}')),
        ),
    ),
    Case(
        "tpl-partial-is-symlink-out",
        BRIEF,
        ("cover.html.j2", "leads to", "outside the template folders"),
        linked("partials/cover.html.j2", "cover-elsewhere.html"),
    ),
    Case(
        "tpl-stylesheet-symlink-out",
        BRIEF,
        ("briefing.css", "outside the template folders"),
        linked("briefing.css", "passwd-copy"),
    ),
    Case(
        "tpl-not-utf8",
        BRIEF,
        ("disclaimer.html.j2:", "not UTF-8"),
        lambda ws: latin1(own_template(DISCLAIMER, appended("é")), DISCLAIMER)(ws),
    ),
]

BRIEFING_EN = "i18n/briefing.en.yaml"
BRIEFING_ZH = "i18n/briefing.zh.yaml"
MODEL_EN = "i18n/model.en.yaml"

TEXTS = [
    Case(
        "i18n-unknown-placeholder",
        BRIEF,
        ("briefing.en.yaml:{line}: running_week: unknown placeholder {weeek}", "{week}"),
        own_template(BRIEFING_EN, replaced('"{week} · as of', '"{weeek} · as of')),
    ),
    Case(
        "i18n-broken-placeholder",
        BRIEF,
        ("briefing.en.yaml:{line}: takeaway_changes: broken placeholder",),
        own_template(BRIEFING_EN, replaced("this week: {count}.", "this week: {count.")),
    ),
    Case(
        "i18n-lone-closing-brace",
        (*BRIEF, "--lang", "zh"),
        ("briefing.zh.yaml:{line}: takeaway_gaps: broken placeholder",),
        own_template(BRIEFING_ZH, replaced("数据缺口：{count}", "数据缺口：count}")),
    ),
    Case(
        "i18n-attribute-walk",
        BRIEF,
        ("briefing.en.yaml:{line}: running_week:", "not a plain name"),
        own_template(
            BRIEFING_EN, replaced("as of {day}", "as of {day.__class__.__init__.__globals__}")
        ),
    ),
    Case(
        "i18n-index-access",
        (*BRIEF, "--lang", "zh"),
        ("briefing.zh.yaml:{line}: running_week:", "not a plain name"),
        own_template(BRIEFING_ZH, replaced("截至 {day}", "截至 {day[0]}")),
    ),
    Case(
        "i18n-format-spec-bomb",
        BRIEF,
        ("briefing.en.yaml:{line}: takeaway_gaps:", "format specs are not allowed"),
        own_template(BRIEFING_EN, replaced("Data gaps: {count}", "Data gaps: {count:>999999999}")),
    ),
    Case(
        "i18n-conversion",
        BRIEF,
        ("model.en.yaml:{line}:", "conversions and format specs are not allowed"),
        own_template(MODEL_EN, replaced("(scenario: {label})", "(scenario: {label!r})")),
    ),
    Case(
        "i18n-placeholder-of-another-key",
        (*BRIEF, "--lang", "zh"),
        ("briefing.zh.yaml:{line}: takeaway_changes: unknown placeholder {day}", "{count}"),
        own_template(BRIEFING_ZH, replaced("本周自选股变动：{count}", "本周自选股变动：{day}")),
    ),
    Case(
        "i18n-symlink-out",
        (*BRIEF, "--lang", "zh"),
        ("briefing.zh.yaml:1:", "outside the template folder"),
        linked(BRIEFING_ZH, "passwd.yaml"),
    ),
]

CORPUS = TEMPLATES + TEXTS


@pytest.mark.parametrize("case", CORPUS, ids=[c.id for c in CORPUS])
def test_a_hostile_template_or_text_runs_nothing_and_changes_nothing(
    case: Case, lists_ws: Path, demo_home: Path
):
    ws = lists_ws
    subs = {"ws": str(ws)} | ((case.setup(ws) or {}) if case.setup else {})
    args = [_fill(a, subs) for a in case.args]
    before = snapshot(ws.parent, demo_home)
    result = invoke(["--workspace", str(ws), *args])
    LEDGER["bad inputs"] += 1
    assert traceback_in(result) is None
    assert not (ws / MARKER).exists(), "the template ran a command"
    assert changed_files(before, snapshot(ws.parent, demo_home)) == []
    assert result.exit_code == case.code, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "SECRET-CONTENT" not in result.output
    for fragment in case.expect:
        assert _fill(fragment, subs) in lines[0]


# -- the last line of defence: every exception is one line -----------------------------------------
#
# Each row below failed with a traceback before issue 18 (18 of 27 had one cause: the CLI
# converted only the tool's own errors). Now a bad date, manifest, model value or device is
# refused where it comes in, and anything else that escapes a command is one ``error:`` line
# saying what failed and what to do (or, for a bug, how to report it).

STATUS = ("--demo", "--as-of", "2026-11-20", "data", "status")
SNAPSHOT = ("--demo", "brief", "--snapshot", "{ws}/m.json", "--out", "{ws}/out")
IMPORT = ("--as-of", "2026-11-20", "data", "import")


def manifest(change) -> callable:
    """A manifest at ``{ws}/m.json``: the one the briefed home's briefing wrote (``good.json``,
    put there by the test), passed through ``change(dict) -> dict | str``."""

    def setup(ws: Path) -> None:
        good = json.loads((ws / "good.json").read_text("utf-8"))
        out = change(good)
        text = out if isinstance(out, str) else json.dumps(out)  # \ud800 stays an escape
        (ws / "m.json").write_text(text, "utf-8")

    return setup


def _set(path: tuple, value):
    def change(doc: dict) -> dict:
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        return doc

    return change


def _sparse(size: int):
    def setup(ws: Path) -> None:
        with open(ws / "m.json", "wb") as fh:
            fh.truncate(size)

    return setup


def _fifo(ws: Path) -> None:
    os.mkfifo(ws / "bars.csv")


def _widened(ws: Path) -> dict[str, str]:
    """btc_hashrate_eh_s at 1e308 with its plausible range widened to match."""
    subs = replace("model/assumptions.yaml", "value: 319", "value: 1e308")(ws)
    replace("model/assumptions.yaml", "range: [1, 5000]", "range: [1, 1e308]")(ws)
    return subs


DATES = [
    Case("as-of-year-1", ("--as-of", "0001-01-03", *STATUS[2:]), ("--as-of 0001-01-03",)),
    Case("as-of-1989", ("--as-of", "1989-12-29", *STATUS[2:]), ("--as-of 1989-12-29", "1990")),
    Case("as-of-2101", ("--as-of", "2101-01-03", "model", "run"), ("--as-of 2101-01-03",)),
    Case("week-year-1", ("--demo", "brief", "--week", "0001-W01"), ("--week 0001-W01",)),
    Case("week-2101", ("--demo", "brief", "--week", "2101-W02"), ("--week 2101-W02",)),
    Case(
        "brief-as-of-year-1",
        ("--demo", "brief", "--as-of", "0001-01-03"),
        ("--as-of 0001-01-03", "outside"),
    ),
    Case(
        "update-since-year-1",
        ("--as-of", "2026-11-20", "data", "update", "--tickers", "NVDA", "--since", "0001-01-01"),
        ("--since 0001-01-01", "outside"),
    ),
]

MANIFESTS = [
    Case(
        "manifest-a-list",
        SNAPSHOT,
        ("m.json", "not a screener-briefing-manifest/1 file"),
        manifest(lambda d: [d]),
    ),
    Case(
        "manifest-day-not-a-date",
        SNAPSHOT,
        ("m.json", "as_of.day"),
        manifest(_set(("as_of", "day"), "last friday")),
    ),
    Case(
        "manifest-day-year-1",
        SNAPSHOT,
        ("m.json", "as_of.day", "0001-01-03"),
        manifest(_set(("as_of", "day"), "0001-01-03")),
    ),
    Case(
        "manifest-nul-in-a-name",
        SNAPSHOT,
        ("m.json", "watchlist_files", "not a plain .yaml"),
        manifest(_set(("watchlist_files", "co\x00re.yaml"), "x: 1\n")),
    ),
    Case(
        "manifest-300-char-name",
        SNAPSHOT,
        ("m.json", "model_files", "not a plain .yaml"),
        manifest(_set(("model_files", "m" * 300 + ".yaml"), "x: 1\n")),
    ),
    Case(
        "manifest-name-with-folder",
        SNAPSHOT,
        ("m.json", "'../core.yaml'"),
        manifest(_set(("watchlist_files", "../core.yaml"), "x: 1\n")),
    ),
    Case(
        "manifest-deep-brackets",
        SNAPSHOT,
        ("m.json", "nested 200,000 levels"),
        manifest(lambda d: "[" * 200_000 + "]" * 200_000),
    ),
    Case(
        "manifest-deep-in-a-key",
        SNAPSHOT,
        ("m.json", "nested"),
        manifest(_set(("changes",), json.loads("[" * 40 + "]" * 40))),
    ),
    Case(
        "manifest-lone-surrogate",
        SNAPSHOT,
        ("m.json", "not a character"),
        manifest(lambda d: _set(("model_files", "x.yaml"), "\ud800")(d)),
    ),
    Case(
        "manifest-rows-negative",
        SNAPSHOT,
        ("m.json", "rows"),
        manifest(lambda d: _set(("data", next(iter(d["data"])), "rows"), -5)(d)),
    ),
    Case(
        "manifest-not-utf8",
        SNAPSHOT,
        ("m.json", "not UTF-8"),
        lambda ws: (ws / "m.json").write_bytes(b'{"format": "\xff"}') and None,
    ),
    Case(
        "manifest-truncated",
        SNAPSHOT,
        ("m.json:", "not JSON"),
        manifest(lambda d: json_text(d)[:500]),
    ),
    Case("manifest-huge-sparse", SNAPSHOT, ("m.json", "larger than"), _sparse(80 * 2**20)),
    Case(
        "manifest-is-dev-zero",
        ("--demo", "brief", "--snapshot", "/dev/zero"),
        ("/dev/zero", "not a regular file"),
    ),
]

INPUTS = [
    Case(
        "model-value-1e308-range-widened",
        ("--demo", "--as-of", "2026-11-20", "model", "run"),
        ("assumptions.yaml:{line}:", "btc_hashrate_eh_s.value", "1e+308"),
        _widened,
    ),
    Case(
        "model-rate-1e300",
        ("model", "run"),
        ("assumptions.yaml:", "1e+300"),
        replace("model/assumptions.yaml", "value: 0.10", "value: 1e300"),
    ),
    Case(
        "import-dev-zero",
        (*IMPORT, "/dev/zero", "--ticker", "NVDA"),
        ("/dev/zero: not a regular file",),
    ),
    Case(
        "import-dev-urandom",
        (*IMPORT, "/dev/urandom", "--ticker", "NVDA"),
        ("/dev/urandom: not a regular file",),
    ),
    Case(
        "import-a-fifo",
        (*IMPORT, "{ws}/bars.csv", "--ticker", "NVDA"),
        ("bars.csv: not a regular file",),
        _fifo,
    ),
]

REFUSALS = DATES + MANIFESTS + INPUTS


def json_text(doc) -> str:
    return json.dumps(doc)


@pytest.mark.parametrize("case", REFUSALS, ids=[c.id for c in REFUSALS])
def test_what_used_to_be_a_traceback_is_one_line_and_changes_nothing(
    case: Case, ws: Path, demo_home: Path, briefed_home: Path
):
    (written,) = (briefed_home.parent / "briefs").glob("2026-W47*.manifest.json")
    shutil.copy(written, ws / "good.json")
    subs = {"ws": str(ws)} | ((case.setup(ws) or {}) if case.setup else {})
    args = [_fill(a, subs) for a in case.args]
    before = snapshot(ws.parent)
    result = invoke(["--workspace", str(ws), *args])
    LEDGER["bad inputs"] += 1
    assert traceback_in(result) is None
    assert changed_files(before, snapshot(ws.parent)) == []
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "this is a bug" not in lines[0]  # each of these is named for what it is
    for fragment in case.expect:
        assert _fill(fragment, subs) in lines[0]


# -- $SCREENER_HOME that cannot be a folder -------------------------------------------------------


def _unwritable_parent(tmp: Path) -> Path:
    """A home whose parent cannot be written: a folder without write permission, or (as root,
    whom permissions do not stop) a place under /sys, where no one may create a folder."""
    if os.geteuid() == 0:
        return Path("/sys/screener-robustness-home")
    parent = tmp / "read-only"
    parent.mkdir()
    parent.chmod(0o555)
    return parent / "home"


def _a_file(tmp: Path) -> Path:
    (tmp / "home-file").write_text("not a folder", "utf-8")
    return tmp / "home-file"


def _dangling(tmp: Path) -> Path:
    (tmp / "home-link").symlink_to(tmp / "nowhere")
    return tmp / "home-link"


def _below_a_file(tmp: Path) -> Path:
    return _a_file(tmp) / "home"


def _missing_for_good(tmp: Path) -> Path:
    return Path("/proc/screener-no-such-process/home")  # /proc creates no folder for anyone


HOMES = {
    "a-file": (_a_file, "is a file, not a folder"),
    "dangling-link": (_dangling, "is a symbolic link to"),
    "unwritable-parent": (_unwritable_parent, "cannot be created"),
    "below-a-file": (_below_a_file, "is a file"),
    "missing-and-uncreatable": (_missing_for_good, "cannot be created"),
}
HOME_COMMANDS = {
    "status": STATUS,
    "brief": ("--demo", "--as-of", "2026-11-20", "brief", "--out", "{ws}/out"),
    "add": ("watchlist", "add", "core", "688256", "--thesis", "x", "--name", "寒武纪"),
    "import": (*IMPORT, "{ws}/bars.csv", "--ticker", "NVDA"),
}


@pytest.mark.parametrize("command", HOME_COMMANDS, ids=list(HOME_COMMANDS))
@pytest.mark.parametrize("kind", HOMES, ids=list(HOMES))
def test_a_home_that_cannot_be_a_folder_is_one_line(ws, tmp_path, monkeypatch, kind, command):
    make, words = HOMES[kind]
    home = make(tmp_path)
    monkeypatch.setenv("SCREENER_HOME", str(home))
    (ws / "bars.csv").write_text("Date,Close\n2024-01-02,1\n", "utf-8")
    args = [_fill(a, {"ws": str(ws)}) for a in HOME_COMMANDS[command]]
    before = snapshot(tmp_path)
    result = invoke(["--workspace", str(ws), *args])
    LEDGER["bad inputs"] += 1
    assert traceback_in(result) is None
    assert changed_files(before, snapshot(tmp_path)) == []
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert words in lines[0] and "SCREENER_HOME" in lines[0]


def test_a_missing_home_is_created_when_it_can_be(ws, tmp_path, monkeypatch):
    home = tmp_path / "new" / "deeper" / "home"
    monkeypatch.setenv("SCREENER_HOME", str(home))
    result = invoke(["--workspace", str(ws), *STATUS])
    assert result.exit_code == 0, result.output
    assert home.is_dir()


# -- stdout that cannot take the output -----------------------------------------------------------

SHOW = ["watchlist", "show", "core"]


def run_out(args: list[str], home: Path, ws: Path, stdout, env: dict | None = None):
    """``python -m screener`` with stdout going to ``stdout`` (a file object or a pipe)."""
    full = {**os.environ, "SCREENER_HOME": str(home), "PYTHONWARNINGS": "error", **(env or {})}
    full.pop("PYTHONPATH", None)
    return subprocess.run(
        [sys.executable, "-m", "screener", "--workspace", str(ws), *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ws,
        env=full,
        timeout=120,
        check=False,
    )


def one_line(proc, *fragments: str) -> None:
    if "Traceback" in proc.stderr:
        LEDGER["tracebacks"] += 1
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: "), proc.stderr
    for fragment in fragments:
        assert fragment in proc.stderr


FORMATS = ["table", "csv", "json"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_stdout_on_a_full_disk_is_one_line(ws, home, fmt):
    with open("/dev/full", "w") as full:
        proc = run_out([*SHOW, "--format", fmt], home, ws, full)
    LEDGER["faults injected"] += 1
    one_line(proc, "cannot write the output", "No space left on device")


@pytest.mark.parametrize("fmt", FORMATS)
def test_stdout_that_cannot_encode_chinese_is_one_line_suggesting_utf8(ws, home, tmp_path, fmt):
    out = tmp_path / "out.txt"
    with open(out, "w") as fh:
        proc = run_out([*SHOW, "--format", fmt], home, ws, fh, {"PYTHONIOENCODING": "latin-1"})
    LEDGER["faults injected"] += 1
    one_line(proc, "latin-1", "PYTHONIOENCODING=utf-8")


def test_a_reader_that_goes_away_is_not_an_error_line(ws, home):
    with subprocess.Popen(
        ["head", "-c", "1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as head:
        proc = run_out([*SHOW, "--format", "json"], home, ws, head.stdin)
        head.stdin.close()
    LEDGER["faults injected"] += 1
    assert "Traceback" not in proc.stderr and "error:" not in proc.stderr, proc.stderr


# -- a bug is one line that says how to report it; -v shows the traceback ------------------------


def test_an_unexpected_exception_is_one_line_saying_how_to_report_it(ws, home, monkeypatch):
    import screener.watchlists.listing as listing

    def broken(*args, **kwargs):
        return 1 // 0

    monkeypatch.setattr(listing, "load_watchlist", broken)
    result = invoke(["--workspace", str(ws), "watchlist", "validate"])
    LEDGER["faults injected"] += 1
    assert traceback_in(result) is None
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: unexpected ZeroDivisionError in `screener watchlist`")
    assert "this is a bug" in lines[0] and "-v" in lines[0] and "--version" in lines[0]


def test_verbose_shows_the_traceback_of_an_unexpected_exception(ws, home):
    code = (
        "import screener.watchlists.listing as l\n"
        "l.load_watchlist = lambda *a, **k: 1 // 0\n"
        "from screener.cli import main\n"
        f"main(['--workspace', {str(ws)!r}, '-v', 'watchlist', 'validate'], prog_name='screener')\n"
    )
    env = {**os.environ, "SCREENER_HOME": str(home)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 1
    assert "Traceback (most recent call last)" in proc.stderr
    assert "ZeroDivisionError" in proc.stderr
    assert proc.stderr.rstrip().splitlines()[-1].startswith("error: unexpected ZeroDivisionError")


# -- a history line cut mid-character is skipped with a note, never fatal -------------------------


def test_a_history_line_cut_mid_character_is_skipped(ws, home):
    path = home / "watchlist-history.jsonl"
    good = path.read_bytes()
    cut = '{"at": "2026-11-17T09:00:00+08:00", "list": "core", "summary": "加了寒'.encode()
    path.write_bytes(good + cut[:-1] + b"\n" + b"\xe6\x97\n" + good)
    before = snapshot(home)
    for args in (["watchlist", "history"], ["watchlist", "history", "core", "--format", "json"]):
        proc = run_out(args, home, ws, subprocess.PIPE)
        LEDGER["bad inputs"] += 1
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr
        warned = [line for line in proc.stderr.splitlines() if "skipped an unreadable" in line]
        assert [w.split(".jsonl:")[1].split(":")[0] for w in warned] == ["2", "3"], proc.stderr
    assert changed_files(before, snapshot(home)) == []


# -- the same refusals through a fresh process: stderr holds one line, nothing else --------------

REMOTE = (
    '<img src="http://127.0.0.1:9/a.png"><img src="http://127.0.0.1:9/b.png">'
    '<link rel="stylesheet" href="file:///etc/passwd">'
)
FRESH = {
    "tpl-cycler-globals-os-system": "disclaimer.html.j2",
    "tpl-include-symlink-out": "outside the template folders",
    "i18n-unknown-placeholder": "{weeek}",
    "tpl-remote-and-file-urls": "outside the template and asset folders",
}
CORPUS_BY_ID = {c.id: c for c in CORPUS} | {
    "tpl-remote-and-file-urls": Case(
        "tpl-remote-and-file-urls",
        BRIEF,
        (),
        own_template(DISCLAIMER, replaced("</section>", REMOTE + "</section>")),
    )
}


@pytest.mark.parametrize("case_id", FRESH, ids=list(FRESH))
def test_a_fresh_process_refuses_a_hostile_workspace_in_one_line(case_id, lists_ws, demo_home):
    ws = lists_ws
    case = CORPUS_BY_ID[case_id]
    subs = {"ws": str(ws)} | (case.setup(ws) or {})
    before = snapshot(ws.parent)
    proc = run_out([_fill(a, subs) for a in case.args], demo_home, ws, subprocess.PIPE)
    LEDGER["bad inputs"] += 1
    one_line(proc, FRESH[case_id])
    assert not (ws / MARKER).exists()
    assert changed_files(before, snapshot(ws.parent)) == []


# -- state that cannot be poisoned: STRICT tables, a migration that reports damage ---------------

#: the cache tables as schema 2 declared them (no types enforced, no checks)
SCHEMA_2 = """
CREATE TABLE securities (ticker TEXT PRIMARY KEY, kind TEXT NOT NULL, market TEXT NOT NULL,
    exchange TEXT NOT NULL, currency TEXT NOT NULL, name TEXT, updated_at TEXT NOT NULL);
CREATE TABLE fetch_log (id INTEGER PRIMARY KEY AUTOINCREMENT, provider TEXT NOT NULL,
    library_version TEXT, ticker TEXT, what TEXT NOT NULL, range_start TEXT, range_end TEXT,
    rows INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL, error TEXT, detail TEXT,
    started_at TEXT NOT NULL, finished_at TEXT);
CREATE TABLE daily_bars (ticker TEXT NOT NULL, date TEXT NOT NULL, open REAL, high REAL,
    low REAL, close REAL NOT NULL, volume REAL, amount REAL, adj_factor REAL NOT NULL,
    provider TEXT NOT NULL, fetch_id INTEGER NOT NULL REFERENCES fetch_log(id),
    PRIMARY KEY (ticker, date)) WITHOUT ROWID;
CREATE TABLE coverage (ticker TEXT PRIMARY KEY, start TEXT NOT NULL, end TEXT NOT NULL,
    provider TEXT NOT NULL, fetch_id INTEGER REFERENCES fetch_log(id), updated_at TEXT NOT NULL);
CREATE TABLE fundamentals (ticker TEXT NOT NULL, as_of TEXT NOT NULL, name TEXT, currency TEXT,
    market_cap REAL, pe_ttm REAL, pb REAL, sector TEXT, industry TEXT, provider TEXT NOT NULL,
    fetch_id INTEGER NOT NULL REFERENCES fetch_log(id), PRIMARY KEY (ticker, as_of));
CREATE INDEX fetch_log_ticker ON fetch_log (ticker, id);
CREATE TABLE bar_changes (ticker TEXT PRIMARY KEY, since TEXT NOT NULL,
    version INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE cache_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
INSERT INTO cache_meta VALUES ('cache_id', 'c0ffee');
PRAGMA user_version = 2;
"""
GOOD_DAYS = ["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"]
#: (ticker, day, close, factor, volume): each a way an older screener or another program
#: spoiled a row that schema 2 stored without a word
DAMAGE = [
    ("NVDA", "2026-11-18", "n/a", 1.0, 1e6),  # text in a price column
    ("AMD", "1-01-01", 120.0, 1.0, 1e6),  # strftime('%Y') of year 1
    ("MSFT", "2026-11-19", 400.0, 0.0, 1e6),  # a factor of zero
    ("TSM", "2026-11-19", 180.0, 1.0, -5.0),  # a negative volume
    ("MU", "2026-02-30", 90.0, 1.0, 1e6),  # a day that is no day
]


def old_cache(path: Path) -> None:
    """A schema-2 cache: five sessions for each of five tickers, covered, and :data:`DAMAGE`."""
    import sqlite3

    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA_2)
        db.execute(
            "INSERT INTO fetch_log (id, provider, what, status, started_at) VALUES"
            " (7, 'demo', 'bars', 'ok', '2026-11-21T00:00:00+00:00')"
        )
        for ticker in ("NVDA", "AMD", "MSFT", "TSM", "MU"):
            for i, day in enumerate(GOOD_DAYS):
                db.execute(
                    "INSERT INTO daily_bars VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (ticker, day, 10.0 + i, 11.0 + i, 9.0 + i, 10.5 + i, 1e6, 1e7, 1.0, "demo", 7),
                )
            db.execute(
                "INSERT INTO coverage VALUES (?,?,?,?,?,?)",
                (ticker, GOOD_DAYS[0], GOOD_DAYS[-1], "demo", 7, "2026-11-21T00:00:00+00:00"),
            )
        for ticker, day, close, factor, volume in DAMAGE:
            db.execute(
                "INSERT OR REPLACE INTO daily_bars VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (ticker, day, 10.0, 11.0, 9.0, close, volume, 1e7, factor, "demo", 7),
            )


def test_an_old_cache_is_migrated_in_one_go_and_its_damage_reported(screener_home, caplog):
    import logging
    import sqlite3

    from screener.data.cache import SCHEMA_VERSION, Cache

    path = screener_home / "cache.sqlite"
    old_cache(path)
    damaged = {(t, d) for t, d, *_ in DAMAGE}
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT * FROM daily_bars ORDER BY ticker, date").fetchall()
    good = [row for row in rows if (row[0], row[1]) not in damaged]
    LEDGER["bad inputs"] += len(DAMAGE)
    with caplog.at_level(logging.WARNING, logger="screener.data.cache"), Cache(path) as cache:
        migration = cache.migration
    assert migration is not None
    assert {(t, d) for table, t, d, _ in migration.damaged} == {(t, d) for t, d, *_ in DAMAGE}
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 1 and "5 damaged row(s)" in warned[0], warned
    for ticker, day, *_ in DAMAGE:
        assert f"daily_bars {ticker} {day}" in warned[0]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        kept = db.execute("SELECT * FROM daily_bars ORDER BY ticker, date").fetchall()
        assert kept == good  # every sound row, value for value
        # a ticker that lost a bar no longer claims a complete range: the next update
        # fetches its history again
        assert db.execute("SELECT ticker FROM coverage").fetchall() == []
        assert sorted(migration.uncovered) == sorted({t for t, *_ in DAMAGE})
        assert "'n/a'" not in repr(db.execute("SELECT * FROM daily_bars").fetchall())
        # ids and the sequence survive: a new fetch-log row follows the old ones
        db.execute(
            "INSERT INTO fetch_log (provider, what, status, started_at)"
            " VALUES ('x', 'bars', 'ok', 't')"
        )
        assert db.execute("SELECT MAX(id) FROM fetch_log").fetchone()[0] == 8


STRICT_REFUSALS = {
    "text-in-close": ("close", "'n/a'"),
    "zero-close": ("close", "0.0"),
    "infinite-close": ("close", "9e999"),
    "negative-factor": ("adj_factor", "-1.0"),
    "year-1": ("date", "'1-01-01'"),
    "february-30": ("date", "'2024-02-30'"),
    "year-2101": ("date", "'2101-01-03'"),
    "negative-volume": ("volume", "-1.0"),
    "text-in-volume": ("volume", "'lots'"),
}


@pytest.mark.parametrize("spoil", STRICT_REFUSALS, ids=list(STRICT_REFUSALS))
def test_the_cache_itself_refuses_a_damaged_row(home, spoil):
    """Whoever writes (another program, an older screener): SQLite refuses the row."""
    import sqlite3

    column, value = STRICT_REFUSALS[spoil]
    path = home / "cache.sqlite"
    before = snapshot(home)
    values = {"date": "'2024-01-11'", "close": "100.0", "adj_factor": "1.0", "volume": "1.0"}
    values[column] = value
    with sqlite3.connect(path) as db, pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO daily_bars (ticker, date, close, adj_factor, volume, provider, fetch_id)"
            f" VALUES ('NVDA', {values['date']}, {values['close']}, {values['adj_factor']},"
            f" {values['volume']}, 'x', (SELECT MAX(id) FROM fetch_log))"
        )
    LEDGER["bad inputs"] += 1
    assert changed_files(before, snapshot(home)) == []


def _forced(home: Path, sql: str) -> None:
    """Write past the CHECKs, as a program that turned them off would."""
    import sqlite3

    with sqlite3.connect(home / "cache.sqlite") as db:
        db.execute("PRAGMA ignore_check_constraints = ON")
        db.execute(sql)


FORCED = {
    "negative-close": "UPDATE daily_bars SET close = -3.0 WHERE ticker = 'NVDA' AND date = "
    "'2026-11-18'",
    "zero-factor": "UPDATE daily_bars SET adj_factor = 0.0 WHERE ticker = 'NVDA' AND date = "
    "'2026-11-18'",
}
READERS = {
    "screen": ("--demo", "--as-of", "2026-11-20", "screen", "--watchlist", "core"),
    "brief": ("--demo", "--as-of", "2026-11-20", "brief", "--out", "{ws}/out"),
}


@pytest.mark.parametrize("reader", READERS, ids=list(READERS))
@pytest.mark.parametrize("damage", FORCED, ids=list(FORCED))
def test_a_read_refuses_a_damaged_row_by_ticker_and_day(ws, demo_home, reader, damage):
    import sqlite3

    path = demo_home / "demo-cache.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA ignore_check_constraints = ON")
        db.execute(FORCED[damage])
        assert db.total_changes == 1
    copy = demo_home / "demo-cache.columns"  # the screen reads this copy, rebuilt from SQLite
    if copy.is_dir():
        shutil.rmtree(copy)
    copy.unlink(missing_ok=True) if copy.exists() else None
    LEDGER["faults injected"] += 1
    args = [_fill(a, {"ws": str(ws)}) for a in READERS[reader]]
    before = snapshot(ws)
    result = invoke(["--workspace", str(ws), *args])
    assert traceback_in(result) is None
    assert changed_files(before, snapshot(ws)) == []
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "NVDA" in lines[0] and "2026-11-18" in lines[0] and "damaged" in lines[0]
