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

from pathlib import Path

import pytest

from screener.paths import shipped

from .support import LEDGER, changed_files, invoke, snapshot, traceback_in
from .test_bad_input import Case, _fill

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
    return lambda text, ws: text.replace(old, new.replace("{ws}", str(ws)), 1)


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
        own_template(MODEL_EN, replaced("(scenario {name})", "(scenario {name!r})")),
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
    case: Case, ws: Path, demo_home: Path
):
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
