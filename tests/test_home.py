"""A home for user files (issue 16): the workspace resolves from --workspace, then
$SCREENER_WORKSPACE, then the config file, then a per-user folder -- never the current
directory or the package's own checkout; the config file is validated with file:line errors;
`config show` and `doctor` say where everything is."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from screener.checkup import doctor
from screener.cli import main
from screener.config.user import load_user_config
from screener.errors import ConfigError, InputError
from screener.paths import DEFAULTS_DIR
from screener.settings import Settings
from screener.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
MU = [
    "--thesis",
    "HBM for AI accelerators",
    "--segment",
    "accelerators=0.25",
    "--name-en",
    "Micron",
]


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env)


def test_default_workspace_is_per_user_not_the_current_directory(screener_home, monkeypatch):
    monkeypatch.chdir(REPO)
    ws = Workspace.open()
    assert ws.root == (screener_home / "workspace").resolve()
    assert ws.source == "per-user default"
    assert ws.watchlists_dir == DEFAULTS_DIR / "watchlists"  # shipped until the first edit


def test_env_then_config_file_then_default(tmp_path, monkeypatch):
    env_ws, conf_ws = tmp_path / "env", tmp_path / "conf"
    env_ws.mkdir(), conf_ws.mkdir()
    config = tmp_path / "config.toml"
    config.write_text(f'workspace = "{conf_ws}"\n', encoding="utf-8")
    monkeypatch.setenv("SCREENER_CONFIG", str(config))
    assert Workspace.open().root == conf_ws.resolve()
    monkeypatch.setenv("SCREENER_WORKSPACE", str(env_ws))
    assert Workspace.open().root == env_ws.resolve()
    assert Workspace.open(tmp_path).root == tmp_path.resolve()


def test_a_missing_named_workspace_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("SCREENER_WORKSPACE", str(tmp_path / "nope"))
    result = invoke("watchlist", "list")
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: workspace $SCREENER_WORKSPACE: {tmp_path / 'nope'} is not a directory"
    )


def test_first_edit_seeds_the_per_user_workspace_and_leaves_the_checkout_alone(screener_home):
    before = (REPO / "watchlists" / "compute.yaml").read_bytes()
    result = invoke("--demo", "watchlist", "add", "compute", "MU", *MU)
    assert result.exit_code == 0, result.output
    own = screener_home / "workspace" / "watchlists" / "compute.yaml"
    assert "MU" in own.read_text(encoding="utf-8")
    assert (REPO / "watchlists" / "compute.yaml").read_bytes() == before
    assert not (REPO / "watchlists" / "compute.yaml.bak").exists()


def test_the_checkout_as_workspace_is_never_edited():
    before = (DEFAULTS_DIR / "watchlists" / "compute.yaml").read_bytes()
    result = invoke("--workspace", str(DEFAULTS_DIR), "watchlist", "add", "compute", "MU", *MU,
                    "--name-en", "Micron")  # fmt: skip
    assert result.exit_code == 1
    assert "screener's own checkout" in result.output and "never edited" in result.output
    assert (DEFAULTS_DIR / "watchlists" / "compute.yaml").read_bytes() == before


def _fresh_clone(target: Path) -> Path:
    """The repository's files as this working tree has them, committed into a new git
    repository at ``target`` (a fresh clone of this very code)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, check=True).stdout  # fmt: skip
    for rel in filter(None, listed.decode().split("\0")):
        src = REPO / rel
        if src.is_file():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / rel)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "clone"]):
        subprocess.run([*git, *args], cwd=target, check=True, timeout=120)
    return target


@pytest.mark.skipif(shutil.which("git") is None or not (REPO / ".git").exists(), reason="needs git")
def test_a_fresh_clone_stays_clean_after_a_watchlist_add(tmp_path):
    """The done-when check, as a person runs it: clone, add, `git status` is clean."""
    clone = _fresh_clone(tmp_path / "clone")
    code = (
        "from screener.cli import main\n"
        "main(['--demo', 'watchlist', 'add', 'compute', 'MU', '--thesis', 'HBM',"
        " '--segment', 'accelerators=0.25', '--name-en', 'Micron'], prog_name='screener')\n"
    )
    # the clone's own package, run from inside the clone
    env = {"PYTHONPATH": str(clone), "PATH": "/usr/bin:/bin", "SCREENER_HOME": str(tmp_path / "h"),
           "SCREENER_CONFIG": str(tmp_path / "none.toml")}  # fmt: skip
    run = subprocess.run([sys.executable, "-c", code], cwd=clone, env=env, capture_output=True,
                         text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr
    status = subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=clone,
                            capture_output=True, text=True, check=True)  # fmt: skip
    changed = [x for x in status.stdout.splitlines() if "__pycache__" not in x]
    assert changed == []
    assert "MU" in (tmp_path / "h" / "workspace" / "watchlists" / "compute.yaml").read_text()


# -- the config file ------------------------------------------------------------------------------


def test_config_file_sets_lang_output_calibration_and_smtp(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        'lang = "zh-CN"\noutput = "~/briefs"\ncalibration = "as_reported"\n\n'
        '[smtp]\nhost = "localhost"\nport = 2525\nfrom = "me@example.com"\n',
        encoding="utf-8",
    )
    user = load_user_config(path)
    assert user.lang == "zh" and user.output == Path("~/briefs").expanduser()
    assert user.smtp.port == 2525 and user.smtp.sender == "me@example.com"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('lang = "en"\nworkspce = "x"\n', ":2: workspce: unknown key; did you mean 'workspace'?"),
        ('lang = "fr"\n', ":1: lang: Input should be 'en' or 'zh'"),
        ('lang = "en"\n\n[smtp]\nhost = "h"\nport = 0\n', ":5: smtp.port: Input should be"),
        ('[smtp]\nport = 25\n', ":1: smtp.host: missing; this key is required"),
        ('lang = \n', ":1: (toml): "),
    ],
)  # fmt: skip
def test_config_file_problems_name_file_line_and_key(tmp_path, text, expected):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_user_config(path)
    assert str(err.value).startswith(f"{path}{expected}"), str(err.value)


def test_a_bad_config_file_stops_commands_with_one_line(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    path.write_text('output = 3\n', encoding="utf-8")  # fmt: skip
    monkeypatch.setenv("SCREENER_CONFIG", str(path))
    result = invoke("watchlist", "list")
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {path}:1: output: ")


def test_config_show_says_where_each_setting_comes_from(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    path.write_text('lang = "zh"\n[smtp]\nhost = "localhost"\n', encoding="utf-8")
    monkeypatch.setenv("SCREENER_CONFIG", str(path))
    result = invoke("config", "show", "--format", "json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["config file"] == {"value": str(path), "source": "found"}
    assert shown["brief --lang"] == {"value": "zh", "source": "config"}
    assert shown["workspace"]["source"] == "per-user default"
    assert shown["smtp"]["source"].startswith("password missing")


# -- doctor ---------------------------------------------------------------------------------------


def test_doctor_reports_fonts_cache_workspace_and_providers(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead = closed.getsockname()[1]
    closed.close()  # nothing listens there: refused at once
    ws = tmp_path / "ws"
    (ws / "model").mkdir(parents=True)
    shutil.copy(DEFAULTS_DIR / "model" / "screen.yaml", ws / "model" / "screen.yaml")
    with (ws / "model" / "fx.yaml").open("w", encoding="utf-8") as fh:
        fh.write((DEFAULTS_DIR / "model" / "fx.yaml").read_text(encoding="utf-8") + "# mine\n")
    settings = Settings(workspace=Workspace.open(ws))
    hosts = {"up": [("127.0.0.1", port)], "down": [("127.0.0.1", dead)]}
    try:
        checks = doctor(settings, hosts=hosts, deadline_s=1.0)
    finally:
        server.close()
    by = {(c.area, c.what.split(":")[0]): c for c in checks}
    assert by[("providers", "up")].status == "ok"
    assert by[("providers", "down")].status == "warn"
    model = next(c for c in checks if c.what.startswith("model/"))
    assert "2 own file(s), 1 differ from the shipped ones: fx.yaml" in model.what
    assert next(c for c in checks if c.area == "cache").status == "warn"  # no cache yet
    assert any(c.area == "fonts" for c in checks)


def test_doctor_in_demo_mode_reads_the_demo_cache_and_skips_the_network():
    assert invoke("--demo", "--as-of", "2026-11-20", "screen").exit_code == 0
    result = invoke("--demo", "--as-of", "2026-11-20", "doctor", "--format", "json")
    assert result.exit_code == 0, result.output
    checks = json.loads(result.stdout)
    cache = [c for c in checks if c["area"] == "cache"]
    assert cache[0]["status"] == "ok" and "demo-cache.sqlite" in cache[0]["what"]
    assert any("CN: newest bar 2026-11-20, 0 session(s)" in c["what"] for c in cache)
    assert [c["what"] for c in checks if c["area"] == "providers"] == [
        "not checked (--demo: no network needed)"
    ]


def test_library_entry_refuses_a_missing_workspace(tmp_path):
    with pytest.raises(InputError):
        Workspace.open(tmp_path / "nope")
