"""``screener config show`` and ``screener doctor``: where things are, and whether this machine
is ready. Thin: :mod:`screener.config.user` and :mod:`screener.checkup` do the work."""

from __future__ import annotations

import click

from ..settings import Settings
from . import output
from .options import format_option


@click.group("config")
def config() -> None:
    """Your settings: the config file, the workspace in use and where data and output go.

    The config file is ~/.config/screener/config.toml ($SCREENER_CONFIG names another):
    workspace, lang, output, calibration and [smtp] for `brief --email`; every key optional.

    \b
    Examples:
      screener config show
      screener config show --format json
    """


@config.command("show")
@format_option(("table", "json"))
@click.pass_obj
def config_show(settings: Settings, fmt: str) -> None:
    """Show the settings in force and where each one comes from.

    \b
    Example:
      screener config show
    """
    from ..config.user import config_path
    from ..workspace import default_root

    user = settings.user
    path = config_path()
    smtp = user.smtp
    rows = [
        ("config file", str(path), "found" if path.is_file() else "not found: every default"),
        ("workspace", str(settings.workspace.root), settings.workspace.source),
        ("per-user workspace", str(default_root()), "used when nothing else names one"),
        ("watchlists", str(settings.workspace.watchlists_dir), _whose(settings, "watchlists")),
        ("model", str(settings.workspace.model_dir), _whose(settings, "model")),
        ("cache", str(settings.cache_path), "$SCREENER_HOME or the per-user data folder"),
        ("brief --out", str(user.output or "briefs"), "config" if user.output else "default"),
        ("brief --lang", user.lang or "en", "config" if user.lang else "default"),
        ("calibration", user.calibration or "model/screen.yaml's",
         "config" if user.calibration else "default"),
        ("smtp", f"{smtp.host}:{smtp.port} as {smtp.sender}" if smtp else "not set",
         ("password " + ("found" if smtp.secret() else f"missing (${smtp.password_env})"))
         if smtp else "needed by brief --email"),
    ]  # fmt: skip
    if fmt == "json":
        output.emit_json({key: {"value": value, "source": src} for key, value, src in rows})
        return
    import pandas as pd

    frame = pd.DataFrame(rows, columns=["setting", "value", "from"])
    output.emit_table(frame, "screener settings", fold=True)


def _whose(settings: Settings, folder: str) -> str:
    own = settings.workspace.own_folder(folder)
    return "your own copy" if own.is_dir() else "shipped defaults (copied on the first edit)"


@click.command("doctor")
@click.option("--offline", is_flag=True, help="Skip the provider reachability check.")
@format_option(("table", "json"))
@click.pass_obj
def doctor(settings: Settings, offline: bool, fmt: str) -> None:
    """Check this machine: config file, workspace vs shipped files, fonts, cache, providers.

    Each line is ok, warn or fail with what to do; exits 1 if anything fails. The provider
    check connects to each vendor's host with a 3-second deadline (skipped with --offline or
    --demo).

    \b
    Examples:
      screener doctor
      screener --demo doctor --format json
    """
    import dataclasses

    from ..checkup import doctor as run_checks
    from ..errors import ScreenerError

    with output.working("checking"):
        checks = run_checks(settings, offline=offline)
    if fmt == "json":
        output.emit_json([dataclasses.asdict(c) for c in checks])
    else:
        for c in checks:
            fix = f"  -> {c.fix}" if c.fix else ""
            output.say(f"{c.status:<5} {c.area:<10} {c.what}{fix}")
    failed = [c for c in checks if c.status == "fail"]
    if failed:
        raise ScreenerError(f"{len(failed)} check(s) failed; first: {failed[0].what}")
