"""Option parsing shared by the commands."""

from __future__ import annotations

import datetime as dt

import click

from ..daterange import RANGE, in_range
from ..names import LANG_ALIASES
from .safetext import RAW_KEY, one_line


class OneLineError(click.ClickException):
    """A failure as the CLI shows it: ``error: <one line>`` on stderr and ``exit_code``."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        # click types exit_code as a class variable, but reads it from the instance: each
        # failure carries the exit code of its own error class
        self.exit_code = exit_code  # type: ignore[misc]

    def show(self, file=None) -> None:
        click.echo(f"error: {one_line(self.format_message())}", err=True)


def parse_date(ctx, param, value):
    """A click callback: ``YYYY-MM-DD`` → :class:`datetime.date` (None stays None). Text that
    is no date is a usage error (exit 2); a day outside 1990..2100 is refused in one line
    (exit 1) before any command runs."""
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form") from None
    if not in_range(day):
        name = param.opts[0] if param is not None and param.opts else "the date"
        raise OneLineError(f"{name} {day}: outside {RANGE}, the days this tool works with")
    return day


def format_option(choices: tuple[str, ...] = ("table", "csv", "json", "jsonl", "records")):
    """``--format``: a human table by default; the others (alone on stdout) for pipes:
    ``jsonl`` a row per line and ``records`` a bare list, both for ``pandas.read_json``."""
    machine = " or ".join(c for c in choices if c != "table")
    fmt = click.option(
        "--format",
        "fmt",
        type=Choice(choices, {"excel": "xlsx", "jsonlines": "jsonl", "ndjson": "jsonl"}),
        default="table",
        show_default=True,
        help=f"table for people; {machine} (stdout alone) for pipes.",
    )
    if "csv" not in choices:
        return fmt
    raw = click.option(
        "--raw",
        is_flag=True,
        expose_value=False,
        callback=_keep_raw,
        help="csv: write text cells as they are (by default a cell starting with = + - @ "
        "gets a leading ' so a spreadsheet does not run it as a formula).",
    )
    return lambda f: fmt(raw(f))


def _keep_raw(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.find_root().meta[RAW_KEY] = True
    return value


__all__ = ["LANG_ALIASES", "Choice", "format_option", "parse_date"]


class Choice(click.Choice):
    """A choice typed in any case, ``_`` or ``-``, or as a common alias (``cn`` for
    ``a-share``, ``zh-CN`` for ``zh``); a near miss is refused with "did you mean". Shell
    completion offers the canonical names."""

    def __init__(self, choices, aliases: dict[str, str] | None = None):
        super().__init__(list(choices), case_sensitive=False)
        self.aliases = dict(aliases or {})

    def convert(self, value, param, ctx):
        from ..names import did_you_mean, match

        found = match(str(value), self.choices, self.aliases)
        if found is not None:
            return found
        hint = did_you_mean(str(value), self.choices, self.aliases)
        self.fail(f"{value!r} is not one of {', '.join(map(str, self.choices))}{hint}", param, ctx)


# -- shell completion (click's: see README) ---------------------------------------------------


def _settings_for_completion(ctx):
    """The run's settings as far as the line typed so far gives them."""
    from ..settings import Settings
    from ..workspace import Workspace

    root = ctx.find_root()
    return Settings(workspace=Workspace.open(root.params.get("workspace")))


def complete_watchlists(ctx, param, incomplete: str):
    """Watchlist names of the workspace, for ``watchlist show <TAB>`` and ``--watchlist``."""
    try:
        from ..watchlists import watchlist_paths

        folder = _settings_for_completion(ctx).workspace.watchlists_dir
        return [p.stem for p in watchlist_paths(folder) if p.stem.startswith(incomplete)]
    except Exception:  # completion never fails loudly
        return []


def complete_sort(ctx, param, incomplete: str):
    """The screen's columns and their short names, for ``--sort <TAB>``."""
    try:
        from ..screening import COLUMN_ALIASES, output_columns

        model = _settings_for_completion(ctx).config.model
        names = [*output_columns(model), *(a for a in COLUMN_ALIASES if " " not in a)]
        return [n for n in dict.fromkeys(names) if n.lower().startswith(incomplete.lower())]
    except Exception:  # completion never fails loudly
        return []
