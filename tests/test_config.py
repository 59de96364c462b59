"""The config layer: one loader, every workspace file overriding its shipped copy, parsed once,
and names that come from the files (a renamed calibration or scenario flows everywhere)."""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import copy_demo_cache

from screener.cli import main
from screener.config import Config, loader, store
from screener.errors import ConfigError
from screener.paths import shipped
from screener.settings import Settings
from screener.workspace import Workspace

AS_OF = dt.date(2026, 11, 20)
PACKAGE = Path(__file__).resolve().parents[1] / "screener"


def workspace(tmp_path: Path) -> Workspace:
    return Workspace.open(tmp_path)


def own_copy(ws: Workspace, folder: str, name: str) -> Path:
    """Copy one shipped file into the workspace (the way a user overrides it)."""
    target = ws.root / folder / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(shipped(folder) / name, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), "utf-8")


# -- every file a user copies overrides the shipped one -------------------------------------------

OVERRIDES = [
    # (folder, file, old text, new text, what the change shows up as)
    ("model", "assumptions.yaml", "value: 319", "value: 320", "model"),
    ("model", "scenarios.yaml", "label: {en: Neutral,", "label: {en: Middle,", "model"),
    ("model", "calibrations.yaml", "label: {en: As reported,", "label: {en: Stated,", "model"),
    ("model", "segments.yaml", "en: AI accelerators", "en: Accelerator chips", "model"),
    ("model", "screen.yaml", "briefing_candidates: 10", "briefing_candidates: 7", "screen"),
    ("model", "fx.yaml", "per_usd: 7.17", "per_usd: 7.11", "fx_table"),
    ("model", "providers.yaml", "history_days: 1095", "history_days: 400", "data"),
    (
        "model",
        "industry_map.yaml",
        "mix: {accelerators: 0.08, memory: 0.03, networking: 0.03, edge: 0.10}",
        "mix: {accelerators: 0.18, memory: 0.03, networking: 0.03, edge: 0.10}",
        "industry_map",
    ),
    (
        "model",
        "briefing.yaml",
        "{en: CSI 300, zh: 沪深300}",
        "{en: CSI300 index, zh: 沪深300}",
        "briefing",
    ),
]


def _view(config: Config, what: str) -> str:
    """What a file's typed contents say, without the paths they were read from."""
    value = getattr(config, what)
    if what == "fx_table":
        return repr(value.to_dict("records"))
    if what == "model":
        return repr((value.inputs, value.scenarios, value.calibrations, value.segments))
    if what == "industry_map":
        return repr(value.entries)
    if what == "briefing":
        return repr((value.benchmarks, value.baskets, value.market_benchmarks, value.calibrations))
    return repr(value)


@pytest.mark.parametrize(("folder", "name", "old", "new", "what"), OVERRIDES)
def test_a_copied_model_file_overrides_the_shipped_one(tmp_path, folder, name, old, new, what):
    ws = workspace(tmp_path)
    before = _view(Config(ws), what)
    path = own_copy(ws, folder, name)
    assert _view(Config(ws), what) == before  # an unchanged copy changes nothing
    edit(path, old, new)
    assert _view(Config(ws), what) != before


@pytest.mark.parametrize("name", ["briefing", "model", "exposure"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_copied_text_file_overrides_the_shipped_one(tmp_path, name, lang):
    ws = workspace(tmp_path)
    config = Config(ws)
    texts = config.model_texts(lang)["text"] if name == "model" else config.texts(name, lang)
    key = next(iter(texts))
    path = own_copy(ws, "templates", f"i18n/{name}.{lang}.yaml")
    edit(path, f"{key}: ", f"{key}: Ours ")
    texts = config.model_texts(lang)["text"] if name == "model" else config.texts(name, lang)
    assert texts[key].startswith("Ours")


def test_the_model_section_uses_a_workspace_copy_of_its_texts(tmp_path):
    """It used to read only the shipped model.en.yaml."""
    from screener.report.model_section import model_section_context

    ws = workspace(tmp_path)
    path = own_copy(ws, "templates", "i18n/model.en.yaml")
    edit(path, "heading: ", "heading: Our own model heading · ")
    section = model_section_context(Settings(workspace=ws, as_of=AS_OF))
    assert section["text"]["heading"].startswith("Our own model heading")


def test_a_bad_workspace_file_names_its_line(tmp_path):
    ws = workspace(tmp_path)
    path = own_copy(ws, "model", "briefing.yaml")
    edit(path, "US: [^SOX, ^NDX]", "US: [^SOX, ^DJI]")
    with pytest.raises(ConfigError) as err:
        _ = Config(ws).briefing
    expected = rf"{re.escape(str(path))}:\d+: baskets\.compute\.US\.1: '\^DJI' is not one"
    assert re.match(expected, str(err.value))


def test_a_duplicated_top_level_key_is_one_short_line(tmp_path):
    """ruamel quotes the whole mapping under a duplicated key: 200 names made a 10 KB line."""
    path = tmp_path / "names_zh.yaml"
    rows = "".join(f"  T{i}: {{zh: 名{i}, en: Name {i}}}\n" for i in range(200))
    path.write_text(f"companies:\n{rows}companies:\n{rows}", "utf-8")
    with pytest.raises(ConfigError) as err:
        loader.parse_bytes(path, path.read_bytes())
    message = str(err.value)
    assert message.startswith(f'{path}:202: (yaml): found duplicate key "companies"')
    assert len(message) < 300 and "\n" not in message


def test_a_basket_benchmark_on_another_market_is_refused(tmp_path):
    ws = workspace(tmp_path)
    path = own_copy(ws, "model", "briefing.yaml")
    edit(path, "US: [^SOX, ^NDX]", "US: [000688.SH]")
    with pytest.raises(ConfigError, match=r"baskets\.compute\.US\.0: '000688\.SH' is not a US"):
        _ = Config(ws).briefing


def test_a_basket_takes_its_markets_benchmark_when_its_side_is_not_listed(tmp_path):
    briefing = Config(workspace(tmp_path)).briefing
    assert briefing.basket_benchmarks("compute", "CN") == ("000688.SH", "000300.SH")
    assert briefing.basket_benchmarks("other", "US") == ("^NDX",)


# -- each file parsed once per run ----------------------------------------------------------------


def test_a_briefing_parses_each_yaml_file_once(tmp_path, screener_home, demo_cache):
    """(In a fresh $SCREENER_HOME: no config is cached on disk yet; the demo_cache copy holds
    the demo's market data alone.)"""
    from screener.report import briefing_html  # all of build_briefing but the drawing

    store.clear()
    loader.PARSES.clear()
    settings = Settings(workspace=workspace(tmp_path), demo=True, as_of=AS_OF, home=screener_home)
    briefing_html(settings)
    assert loader.PARSES, "nothing was parsed through the loader"
    twice = {path: n for path, n in loader.PARSES.items() if n > 1}
    assert twice == {}
    read = {Path(p).name for p in loader.PARSES}
    assert {"assumptions.yaml", "screen.yaml", "briefing.yaml", "compute.yaml"} <= read
    assert {"briefing.en.yaml", "model.en.yaml", "exposure.en.yaml"} <= read


def test_an_edited_file_is_read_again(tmp_path):
    ws = workspace(tmp_path)
    path = own_copy(ws, "model", "screen.yaml")
    assert Config(ws).screen.briefing_candidates == 10
    edit(path, "briefing_candidates: 10", "briefing_candidates: 4")
    assert Config(ws).screen.briefing_candidates == 4


# -- names come from the files ---------------------------------------------------------------------


def rename(ws: Workspace, old_cal: str, new_cal: str, old_sc: str, new_sc: str) -> None:
    """Rename a calibration and a scenario everywhere a workspace mentions them."""
    for name in ("assumptions.yaml", "scenarios.yaml", "calibrations.yaml", "briefing.yaml",
                 "screen.yaml"):  # fmt: skip
        path = own_copy(ws, "model", name)
        text = path.read_text("utf-8")
        text = re.sub(rf"\b{old_cal}\b", new_cal, text)
        text = re.sub(rf"\b{old_sc}\b", new_sc, text)
        path.write_text(text, "utf-8")


def test_renamed_calibration_and_scenario_flow_through_every_command(
    tmp_path, demo_cache_home, html_instead_of_pdf
):
    ws = workspace(tmp_path)
    model = Config(ws).model
    old_cal, old_sc = next(iter(model.calibrations)), next(iter(model.scenarios))
    rename(ws, old_cal, "house_view", old_sc, "base_case")
    runner = CliRunner()
    common = ["--workspace", str(ws.root), "--demo", "--as-of", AS_OF.isoformat()]
    env = {"SCREENER_HOME": str(tmp_path / "home")}
    copy_demo_cache(demo_cache_home, tmp_path / "home")

    run = runner.invoke(main, [*common, "model", "run", "--calibration", "house_view",
                               "--format", "json"], env=env)  # fmt: skip
    assert run.exit_code == 0, run.output
    assert "base_case" in json.loads(run.output)["scenarios"]

    args = ["screen", "--calibration", "house_view", "--scenario", "base_case", "--format", "json"]
    screen = runner.invoke(main, [*common, *args], env=env)
    assert screen.exit_code == 0, screen.output
    payload = json.loads(screen.output)
    assert payload["calibration"] == "house_view" and payload["scenario"] == "base_case"
    assert "exposure_base_case" in payload["rows"][0]

    brief = runner.invoke(main, [*common, "brief", "--out", str(tmp_path / "b")], env=env)
    assert brief.exit_code == 0, brief.output
    assert len(html_instead_of_pdf) == 1  # the briefing was built (and handed to the drawing)
    stale = runner.invoke(main, [*common, "model", "run", "--calibration", old_cal], env=env)
    assert stale.exit_code == 1 and f"unknown calibration {old_cal!r}" in stale.output


def test_no_module_names_a_calibration_or_scenario():
    """The report, screen and CLI loop over the model's own names (issue 11)."""
    model = Config(Workspace(shipped("model").parent)).model
    names = set(model.calibrations) | set(model.scenarios)
    offenders = []
    # market data speaks another vocabulary ("current" is a cache status there, not a calibration)
    other_vocabulary = {"data", "cli/data.py"}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel in other_vocabulary or rel.split("/")[0] in other_vocabulary:
            continue
        tree = ast.parse(path.read_text("utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if id(node) in docstrings:
                    continue
                if node.value in names:
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value!r}")
    assert offenders == []


# -- the layering ------------------------------------------------------------------------------


def _imports(path: Path) -> set[str]:
    """The screener modules ``path`` imports at run time (``if TYPE_CHECKING`` blocks aside)."""
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                if path.name != "__init__.py":
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            out.add(module)
            out |= {f"{module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return {m for m in out if m.startswith("screener")}


def test_data_imports_nothing_above_it():
    above = ("screener.watchlists", "screener.screening", "screener.report", "screener.universe",
             "screener.exposure", "screener.cli")  # fmt: skip
    for path in (PACKAGE / "data").rglob("*.py"):
        bad = sorted(m for m in _imports(path) if m.startswith(above))
        assert bad == [], path


def test_no_module_outside_data_imports_a_provider_class():
    vendors = tuple(
        f"screener.data.providers.{p.stem}"
        for p in (PACKAGE / "data" / "providers").glob("*.py")
        if p.stem != "__init__"
    )
    for path in PACKAGE.rglob("*.py"):
        if (PACKAGE / "data") in path.parents:
            continue
        bad = sorted(m for m in _imports(path) if m.startswith(vendors))
        assert bad == [], path


def test_no_import_cycle():
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        name = name.removesuffix(".__init__")
        graph[name] = {m for m in _imports(path) if m != name}
    modules = set(graph)

    def resolve(m: str) -> str | None:
        while m and m not in modules:
            m = m.rpartition(".")[0]
        return m or None

    edges = {
        n: {r for m in deps if (r := resolve(m)) and r != n and not n.startswith(r + ".")}
        for n, deps in graph.items()
    }
    # a package's __init__ re-exports its children: not a cycle through the package
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for m in edges.get(n, ()):
            if m.startswith(n + "."):
                continue
            if state.get(m) == 1:
                cycle = [*stack[stack.index(m) :], m]
                pairs = itertools.pairwise(cycle)
                if not all(b.startswith(a + ".") or a.startswith(b + ".") for a, b in pairs):
                    raise AssertionError(" -> ".join(cycle))
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(edges):
        if n not in state:
            visit(n)


def test_modules_stay_small():
    """A module does one job; the few over ~450 lines say why in the issue note."""
    allowed = {
        "data/providers/akshare.py",  # one vendor boundary: a column table per akshare function
        "data/cache.py",  # every SQL statement lives here, by design
        "demand.py",  # the engine's formulas, one per quantity
        "config/model.py",  # the model's input catalogue: one spec per input
        "tickers.py",  # the ticker master: every form people type, one table
    }
    big = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text("utf-8").splitlines())) > 450
    }
    assert set(big) <= allowed, big


# -- i18n texts are filled by a formatter that knows plain names only ------------------------------


def test_a_loaded_text_fills_plain_names_and_nothing_else():
    from screener.config.texts import Text, placeholders

    assert Text("{week} · as of {day}").format(week="2026-W47", day="2026-11-20") == (
        "2026-W47 · as of 2026-11-20"
    )
    assert placeholders("{a} and {b} {{literal}}") == {"a", "b"}
    for hostile in ("{day.__class__}", "{0}", "{}", "{d[0]}", "{d!r}", "{d:>99999999}"):
        with pytest.raises(ConfigError):
            Text(hostile).format("x", day=1, d="x")
        with pytest.raises(ValueError):
            placeholders(hostile)
    for broken in ("{week", "week}", "{week}}x{"):
        with pytest.raises(ValueError):
            placeholders(broken)


def test_a_later_process_reads_validated_files_from_the_disk_cache(tmp_path):
    """What a run validated is kept under $SCREENER_HOME: the next process (here: a cleared
    memo) parses nothing, and an edited file is parsed again."""
    (tmp_path / "ws").mkdir()
    ws, home = workspace(tmp_path / "ws"), tmp_path / "home"
    path = own_copy(ws, "model", "screen.yaml")
    store.clear()  # as in a new process
    first = Config(ws, home)
    assert first.screen.briefing_candidates == 10 and first.model.scenarios
    store.clear()
    loader.PARSES.clear()
    again = Config(ws, home)
    assert again.screen == first.screen and list(again.model.scenarios) == list(
        first.model.scenarios
    )
    assert loader.PARSES == {}
    edit(path, "briefing_candidates: 10", "briefing_candidates: 3")
    store.clear()
    assert Config(ws, home).screen.briefing_candidates == 3
    assert dict(loader.PARSES) == {str(path): 1}


def test_a_damaged_disk_cache_is_only_a_miss(tmp_path):
    (tmp_path / "ws").mkdir()
    ws, home = workspace(tmp_path / "ws"), tmp_path / "home"
    store.clear()
    expected = Config(ws, home).screen
    for cached in (home / "config-cache").glob("*.pickle"):
        cached.write_bytes(b"not a pickle")
    store.clear()
    assert Config(ws, home).screen == expected


def test_one_house_calibration_across_the_shipped_files():
    """model/screen.yaml names the house calibration (issue 13); `screener model run` defaults
    to the same one and the briefing's takeaways quote it first, so no section of the note
    reads another calibration's figures as the house view."""
    config = Config(Workspace(shipped("model").parent))
    house = config.screen.calibration
    assert house in config.model.calibrations
    assert config.model.default_calibration == house
    assert config.briefing.calibrations[0] == house
