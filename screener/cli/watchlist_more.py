"""``screener watchlist undo``, ``import`` and ``export``, and the texts ``history`` and
``suggest`` print (before -> after, a ready ``add`` line). Registered on the ``watchlist``
group by :mod:`.watchlist`."""

from __future__ import annotations

from pathlib import Path

import click

from ..settings import Settings
from .options import Choice, complete_watchlists
from .output import say, working


def change_text(record: dict) -> str:
    """What an edit changed, ``before → after`` per field (a mix as ``seg w, ...``)."""
    from ..watchlists.schema import mix_text

    before, after = record.get("before") or {}, record.get("after") or {}
    if record.get("action") == "added" or (before == {} and after):
        return f"→ {mix_text(after.get('segments', {}))}"
    if record.get("action") == "removed" or (after == {} and before):
        return f"{mix_text(before.get('segments', {}))} →"
    keys = record.get("changed") or sorted(k for k in {*before, *after}
                                           if before.get(k) != after.get(k))  # fmt: skip
    parts = []
    for key in keys:
        old, new = before.get(key), after.get(key)
        if key == "segments":
            old, new = mix_text(old or {}), mix_text(new or {})
        parts.append(f"{key}: {old if old not in (None, '') else '-'} → {new}")
    return "; ".join(parts)


@click.command()
@click.argument("name", required=False, shell_complete=complete_watchlists)
@click.pass_obj
def undo(settings: Settings, name: str | None) -> None:
    """Undo the last change made through these commands (to NAME, if given).

    The file goes back to the version before that change (its .bak), validated and written
    like any edit, and the undo is recorded in the history; running undo again redoes.
    Refused when the file was edited by hand since.

    \b
    Examples:
      screener watchlist undo
      screener watchlist undo compute
    """
    from ..curate import undo_edit

    _report(undo_edit(settings, name))


@click.command("import")
@click.argument("name", shell_complete=complete_watchlists)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--create", is_flag=True, help="Create the watchlist NAME if it does not exist.")
@click.option("--thesis", help="One thesis for every imported name (default: none yet).")
@click.pass_obj
def import_(settings: Settings, name: str, file: Path, create: bool, thesis: str | None) -> None:
    """Add the tickers of FILE to watchlist NAME, each with its estimated segment mix.

    FILE is a TradingView watchlist export (.txt: NASDAQ:NVDA,SSE:600519,...), an 东方财富 or
    同花顺 自选股 CSV export (代码/名称 columns, UTF-8 or GBK), or a plain CSV with a ticker
    column. Names from the file go to the field of their script. Names already on the list,
    and names whose industry maps to no segment, are skipped and listed (exit 3).

    \b
    Examples:
      screener watchlist import compute ~/Downloads/ai.txt
      screener watchlist import optical 自选股.csv --create
    """
    from ..curate import import_watchlist

    with working(f"importing {file} into {name}"):  # each name's industry is looked up
        done, skipped = import_watchlist(settings, name, file, create=create, thesis=thesis,
                                         note=_note)  # fmt: skip
    for result in done:
        _report(result)
    for ticker, reason in skipped:
        say(f"skipped {ticker}: {reason}", err=True)
    say(f"imported {len(done)} of {len(done) + len(skipped)} from {file}")
    if skipped:
        raise click.exceptions.Exit(3)


@click.command()
@click.argument("name", shell_complete=complete_watchlists)
@click.option(
    "--format",
    "fmt",
    type=Choice(["tradingview", "csv"], {"tv": "tradingview", "txt": "tradingview"}),
    default="csv",
    show_default=True,
    help="tradingview: one line of EXCH:SYM for TradingView's 'import list'; csv: ticker, "
    "names, mix, thesis.",
)
@click.pass_obj
def export(settings: Settings, name: str, fmt: str) -> None:
    """Write watchlist NAME for another tool, on stdout.

    \b
    Examples:
      screener watchlist export compute --format tradingview > compute.txt
      screener watchlist export application --format csv > application.csv
    """
    from ..curate import export_watchlist

    click.echo(export_watchlist(settings, name, fmt), nl=False)


def _report(result) -> None:
    if result.seeded_folder is not None:
        say(
            f"note: created {result.seeded_folder} from the shipped default watchlists; "
            "your edits go there",
            err=True,
        )
    if result.action == "unchanged":
        say(f"no change: {result.ticker} on {result.list_name} already has those values")
        return
    say(result.summary)
    kept = f"; previous version in {result.backup.name}" if result.backup else ""
    say(f"  saved {result.path}{kept}")


def _note(text: str) -> None:
    say(f"note: {text}", err=True)
