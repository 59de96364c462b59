"""``screener brief``: render the weekly briefing PDF."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import click

from ..settings import Settings
from .options import parse_date


@click.command()
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=Path("briefs"),
    show_default=True,
    help="Output folder (the file is named <ISO week>.<lang>.pdf) or a path ending in .pdf.",
)
@click.option(
    "--html",
    "html",
    is_flag=True,
    help="Also write the intermediate HTML beside the PDF, for inspection.",
)
@click.option(
    "--week",
    metavar="YYYY-Www",
    help="The ISO week to brief: resolves to its last trading day on each market.",
)
@click.option(
    "--as-of",
    "as_of",
    metavar="YYYY-MM-DD",
    callback=parse_date,
    help="Brief as of this day (same as the global --as-of).",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    default="en",
    show_default=True,
    help="The edition: en (English) or zh (Chinese: every text, name and thesis in Chinese).",
)
@click.option(
    "--snapshot",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Re-render the numbers of an earlier briefing from its manifest "
    "(<week>.<lang>.manifest.json), offline, from the cache.",
)
@click.pass_obj
def brief(
    settings: Settings,
    out: Path,
    html: bool,
    week: str | None,
    as_of: dt.date | None,
    lang: str,
    snapshot: Path | None,
) -> None:
    """Render the weekly briefing PDF and its manifest (what went in, for --snapshot).

    \b
    Examples:
      screener --demo brief --out briefs/           briefs/<this ISO week>.en.pdf, demo data
      screener brief --week 2026-W47 --lang zh      last week's briefing, in Chinese
      screener brief --snapshot briefs/2026-W47.en.manifest.json --out again.pdf
    """
    from ..report import build_briefing

    if week and as_of:
        raise click.UsageError("give --week or --as-of, not both")
    if as_of:
        settings = dataclasses.replace(settings, as_of=as_of)
    result = build_briefing(settings, out, write_html=html, lang=lang, week=week, snapshot=snapshot)
    click.echo(str(result.pdf_path))
