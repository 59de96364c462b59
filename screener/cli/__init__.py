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
from .options import parse_date

log = logging.getLogger("screener")
#: loggers of vendor libraries, shown only with --verbose (yfinance warns "Cookie/crumb fetch
#: failed" and "possibly delisted" for what the provider already reports in one line)
_VENDOR_LOGGERS = ("yfinance", "curl_cffi", "urllib3", "akshare")


class _Failure(click.ClickException):
    """A library error as the CLI shows it: ``error: <one line>`` and the error's exit code."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        # click types exit_code as a class variable, but reads it from the instance: each
        # failure carries the exit code of its own error class
        self.exit_code = exit_code  # type: ignore[misc]

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class _Group(click.Group):
    """A click group that turns :class:`ScreenerError` into a one-line failure and imports
    each subcommand's module only when that subcommand is used (:data:`COMMANDS`)."""

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

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ScreenerError as exc:
            if ctx.find_root().meta.get("verbose"):
                log.exception("failed")
            raise _Failure(
                str(exc).splitlines()[0] if str(exc) else type(exc).__name__, exc.exit_code
            ) from exc


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
    help="Folder holding your model/, watchlists/ and templates/ "
    "(default: the current directory; shipped defaults fill any gap).",
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
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not verbose:  # the vendor libraries' own messages repeat what our errors say
        for name in _VENDOR_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
        warnings.filterwarnings("ignore", module=rf"({'|'.join(_VENDOR_LOGGERS)})(\..*)?$")
    ctx.meta["verbose"] = verbose
    ctx.obj = Settings(workspace=Workspace.open(workspace), demo=demo, as_of=as_of)


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
    "data": (
        "screener.cli.data",
        "data",
        "Market data: update the cache from providers, show its status, import CSV bars.",
    ),
    "model": (
        "screener.cli.model",
        "model",
        "The compute-demand model: when AIGC electricity passes Bitcoin's, and segment growth.",
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
