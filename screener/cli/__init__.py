"""The command line: thin. It parses, calls library functions, prints, and maps errors to exits.

Exit codes: 0 success; 1 bad input or a failed operation (one line ``error: ...`` on stderr,
a traceback only with ``--verbose``); 2 usage errors; 3 partial success.
"""

from __future__ import annotations

import importlib
import logging
import sys
import warnings
from pathlib import Path

import click

from ..errors import ScreenerError
from ..settings import Settings
from ..workspace import Workspace
from . import failures
from .options import OneLineError, parse_date
from .safetext import one_line, plain

log = logging.getLogger("screener")
#: loggers of vendor libraries, shown only with --verbose (yfinance warns "Cookie/crumb fetch
#: failed" and "possibly delisted" for what the provider already reports in one line)
_VENDOR_LOGGERS = ("yfinance", "curl_cffi", "urllib3", "akshare")


_Failure = OneLineError


def _verbose(ctx: click.Context | None, args=None) -> bool:
    if ctx is not None and ctx.find_root().meta.get("verbose"):
        return True
    argv = list(args) if args is not None else sys.argv[1:]
    return "-v" in argv or "--verbose" in argv


class _Group(click.Group):
    """A click group that turns every exception into a one-line failure (a
    :class:`ScreenerError` says what to do; anything else is described by
    :mod:`.failures`) and imports each subcommand's module only when that subcommand is used
    (:data:`COMMANDS`)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        found = super().get_command(ctx, name)
        if found is None and name in COMMANDS:
            module, attr, _ = COMMANDS[name]
            found = getattr(importlib.import_module(module), attr)
            self.add_command(found, name)
        return found

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help`` from :data:`COMMANDS`, without importing them."""
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [
            (name, click.Command(name, help=short).get_short_help_str(limit))
            for name, (_, _, short) in sorted(COMMANDS.items())
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None:
            args = hoist_global_options(args, set(self.list_commands(ctx)))
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # a full disk or a closed pipe fails here, not at exit
            return result
        except (click.ClickException, click.exceptions.Exit, click.Abort, BrokenPipeError):
            raise  # click's own: usage errors, exit codes, a reader that went away
        except ScreenerError as exc:
            if _verbose(ctx):
                log.exception("failed")
            raise _Failure(
                str(exc).splitlines()[0] if str(exc) else type(exc).__name__, exc.exit_code
            ) from exc
        except Exception as exc:  # the last line of defence: one line, never a traceback
            if _verbose(ctx):
                log.exception("failed")
            failures.quiet_stdout()
            raise _Failure(failures.describe(exc, ctx.invoked_subcommand), 1) from exc

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """click's main, with anything that escapes it (an error before or after a command)
        as one line and exit 1 too."""
        try:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        except Exception as exc:
            if not standalone_mode:
                raise
            if _verbose(None, args):
                log.exception("failed")
            failures.quiet_stdout()
            click.echo(f"error: {one_line(failures.describe(exc, None))}", err=True)
            sys.exit(1)


#: the root's options, accepted anywhere on the line: flag -> takes a value
GLOBAL_OPTIONS: dict[str, bool] = {
    "--demo": False,
    "-v": False,
    "--verbose": False,
    "--workspace": True,
    "--as-of": True,
}


def hoist_global_options(args: list[str], commands: set[str]) -> list[str]:
    """``args`` with the global options that follow the subcommand moved before it, so
    ``screener screen --demo`` means ``screener --demo screen``. Nothing after ``--`` moves,
    nor the value of another option."""
    args = list(args)
    start = None
    i = 0
    while i < len(args):  # the subcommand: the first word that is no global option (value)
        word = args[i]
        if word == "--":
            return args
        if GLOBAL_OPTIONS.get(word):
            i += 2
            continue
        if word in commands:
            start = i
            break
        i += 1
    if start is None:
        return args
    moved: list[str] = []
    rest: list[str] = args[: start + 1]
    i = start + 1
    while i < len(args):
        word = args[i]
        if word == "--":
            rest += args[i:]
            break
        name = word.split("=", 1)[0] if word.startswith("--") else word
        takes_value = GLOBAL_OPTIONS.get(name)
        if takes_value is None:
            rest.append(word)
        elif takes_value and "=" not in word:
            moved += args[i : i + 2]
            i += 1
        else:
            moved.append(word)
        i += 1
    return moved + rest


@click.group(
    cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.option(
    "--demo",
    is_flag=True,
    help="Use the offline demo provider and its own cache; every output is marked DEMO DATA.",
)
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder holding your model/, watchlists/ and templates/ (default: $SCREENER_WORKSPACE, "
    "else `workspace` in ~/.config/screener/config.toml, else a per-user folder; shipped "
    "defaults fill any gap; see `screener config show`).",
)
@click.option(
    "--as-of",
    "as_of",
    callback=parse_date,
    metavar="YYYY-MM-DD",
    help="Read no data after this day (default: today).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log progress and show tracebacks on error.")
@click.version_option(package_name="screener")
@click.pass_context
def main(ctx: click.Context, demo: bool, workspace: Path | None, as_of, verbose: bool) -> None:
    """screener: AI-compute demand model, exposure scores and weekly briefings.

    \b
    Examples:
      screener --demo brief --out briefs/      weekly briefing PDF from offline demo data
      screener model run --scenario all        the compute-demand model's crossovers
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_SafeFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])
    if not verbose:  # the vendor libraries' own messages repeat what our errors say
        for name in _VENDOR_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
        warnings.filterwarnings("ignore", module=rf"({'|'.join(_VENDOR_LOGGERS)})(\..*)?$")
    ctx.meta["verbose"] = verbose
    ctx.obj = Settings(workspace=Workspace.open(workspace), demo=demo, as_of=as_of)


class _SafeFormatter(logging.Formatter):
    """Log lines without control characters (a vendor's or a file's text is quoted in them)."""

    def format(self, record: logging.LogRecord) -> str:
        return plain(super().format(record))


#: the subcommands, imported only when run (or asked for their own --help), so
#: ``screener --help`` starts without pandas, pydantic, matplotlib or WeasyPrint: name ->
#: (module, attribute, the short help ``screener --help`` lists; tests/test_cli.py checks it
#: against the command's own docstring)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "brief": (
        "screener.cli.brief",
        "brief",
        "Render the weekly briefing PDF and its manifest (what went in, for --snapshot).",
    ),
    "config": (
        "screener.cli.setup",
        "config",
        "Your settings: the config file, the workspace in use and where data and output go.",
    ),
    "doctor": (
        "screener.cli.setup",
        "doctor",
        "Check this machine: config file, workspace vs shipped files, fonts, cache, providers.",
    ),
    "data": (
        "screener.cli.data",
        "data",
        "Market data: update the cache from providers, show its status, import CSV bars.",
    ),
    "model": (
        "screener.cli.model",
        "model",
        "The compute-demand model: when AI electricity passes Bitcoin's, segment growth, how "
        "sure the model is, and whether the 2023 calls came true.",
    ),
    "screen": (
        "screener.cli.screen",
        "screen",
        "Rank names by exposure to AI compute demand, momentum, valuation and liquidity.",
    ),
    "watchlist": (
        "screener.cli.watchlist",
        "watchlist",
        "Read and edit watchlists: the YAML files in your workspace's watchlists/ folder.",
    ),
}
