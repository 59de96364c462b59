"""``screener doctor``: is this machine ready? One row per check, each ``ok``, ``warn`` or
``fail`` with what was found and what to do.

- **config**: the user's config file (where it is, whether it parses);
- **workspace**: which folder, where the choice came from, and which of its files override
  the shipped defaults (and whether they still differ from them);
- **fonts**: the CJK font the briefing needs (fontconfig);
- **cache**: where it is, its size, and how fresh each market's newest bar is;
- **providers**: can the vendors' hosts be reached (a TCP connect with a short deadline;
  skipped with ``offline``).
"""

from __future__ import annotations

import datetime as dt
import filecmp
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .paths import shipped
from .settings import Settings

#: the provider hosts a live `data update` needs (vendor knowledge, not configuration)
PROVIDER_HOSTS: dict[str, tuple[tuple[str, int], ...]] = {
    "akshare": (("push2his.eastmoney.com", 443), ("82.push2.eastmoney.com", 443)),
    "yfinance": (("query1.finance.yahoo.com", 443), ("fc.yahoo.com", 443)),
}
#: how long each host may take to accept a connection
DEADLINE_S = 3.0


@dataclass(frozen=True)
class Check:
    """One finding: ``area`` (config, workspace, fonts, cache, providers), ``status`` (ok,
    warn or fail), ``what`` was found and ``fix`` (what to do; empty when ok)."""

    area: str
    status: str
    what: str
    fix: str = ""


def doctor(
    settings: Settings,
    *,
    offline: bool = False,
    hosts: dict[str, Iterable[tuple[str, int]]] | None = None,
    deadline_s: float = DEADLINE_S,
) -> list[Check]:
    """Every check (see the module docstring), in order."""
    checks = [*_config(), *_workspace(settings), *_fonts(), *_cache(settings)]
    if offline or settings.demo:
        why = "--demo" if settings.demo else "--offline"
        checks.append(Check("providers", "ok", f"not checked ({why}: no network needed)"))
    else:
        chosen: dict[str, Iterable[tuple[str, int]]] = dict(
            PROVIDER_HOSTS if hosts is None else hosts
        )
        checks += _providers(chosen, deadline_s)
    return checks


def _config() -> list[Check]:
    from .config.user import config_path, load_user_config
    from .errors import ConfigError

    path = config_path()
    if not path.is_file():
        return [Check("config", "ok", f"no config file at {path} (every default applies)")]
    try:
        user = load_user_config(path)
    except ConfigError as exc:
        return [Check("config", "fail", str(exc).splitlines()[0], f"fix {path}")]
    keys = [k for k, v in user.model_dump(exclude_none=True).items() if v is not None]
    return [Check("config", "ok", f"{path}: sets {', '.join(keys) or 'nothing'}")]


def _workspace(settings: Settings) -> list[Check]:
    ws = settings.workspace
    out = [Check("workspace", "ok", f"{ws.root} ({ws.source})")]
    if ws.is_shipped:
        out.append(
            Check(
                "workspace",
                "warn",
                "the workspace is screener's own checkout (read-only)",
                "leave out --workspace to use your per-user workspace",
            )
        )
        return out
    for folder in ("model", "watchlists", "templates"):
        own = ws.own_folder(folder)
        if not own.is_dir():
            out.append(Check("workspace", "ok", f"{folder}/: shipped defaults (no own copy)"))
            continue
        files = sorted(p for p in own.rglob("*") if p.is_file() and not p.name.endswith(".bak"))
        changed = [p for p in files if _differs(p, shipped(folder) / p.relative_to(own))]
        note = f"{len(files)} own file(s), {len(changed)} differ from the shipped ones"
        if changed:
            note += ": " + ", ".join(str(p.relative_to(own)) for p in changed[:6])
        out.append(Check("workspace", "ok", f"{folder}/ at {own}: {note}"))
    return out


def _differs(own: Path, default: Path) -> bool:
    return not default.is_file() or not filecmp.cmp(own, default, shallow=False)


def _fonts() -> list[Check]:
    from .errors import RenderError
    from .report.fonts import INSTALL_HINT, cjk_font_file

    try:
        path = cjk_font_file()
    except RenderError as exc:
        return [Check("fonts", "fail", str(exc).split(";")[0], INSTALL_HINT)]
    return [Check("fonts", "ok", f"CJK font {path}")]


def _cache(settings: Settings) -> list[Check]:
    path = settings.cache_path
    if not path.is_file():
        fill = "any --demo command fills it" if settings.demo else "run `screener data update`"
        return [Check("cache", "warn", f"no cache yet at {path}", fill)]
    from .data.cache import Cache
    from .errors import CacheError

    size = path.stat().st_size / 1e6
    try:
        with Cache.open(settings) as cache:
            status = cache.status()
    except CacheError as exc:
        return [Check("cache", "fail", f"{path}: {exc}", "see `screener data status`")]
    out = [Check("cache", "ok", f"{path} ({size:.1f} MB, {len(status)} tickers)")]
    for market, rows in status.groupby("market", dropna=False):
        newest = max(rows["last_date"])
        behind = int(rows["stale_sessions"].min())
        state = "ok" if behind <= 1 else "warn"
        fix = "" if state == "ok" else "run `screener data update`"
        out.append(Check("cache", state, f"{market}: newest bar {newest}, {behind} session(s) "
                                         f"behind {settings.as_of}", fix))  # fmt: skip
    return out


def _providers(hosts: dict[str, Iterable[tuple[str, int]]], deadline_s: float) -> list[Check]:
    out = []
    for provider, addresses in hosts.items():
        reached, failures = None, []
        for host, port in addresses:
            started = dt.datetime.now()
            try:
                with socket.create_connection((host, port), timeout=deadline_s):
                    pass
            except Exception as exc:  # DNS, refused, timeout, or a test's network guard
                failures.append(f"{host}:{port}: {_reason(exc)}")
                continue
            took = (dt.datetime.now() - started).total_seconds() * 1000
            reached = f"{host}:{port} answered in {took:.0f} ms"
            break
        if reached:
            out.append(Check("providers", "ok", f"{provider}: {reached}"))
        else:
            what = f"{provider}: unreachable ({'; '.join(failures)})"
            out.append(Check("providers", "warn", what, "check the network or proxy; --demo works"))
    return out


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "no answer within the deadline"
    if isinstance(exc, socket.gaierror):
        return "name not resolved (no DNS)"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
