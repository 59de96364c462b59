"""``screener brief``: render the weekly briefing PDF."""

from __future__ import annotations

from pathlib import Path

import click

from ..settings import Settings


@click.command()
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=Path("briefs"),
    show_default=True,
    help="Output folder (the file is named <ISO week>.pdf) or a path ending in .pdf.",
)
@click.option(
    "--html",
    "html",
    is_flag=True,
    help="Also write the intermediate HTML beside the PDF, for inspection.",
)
@click.pass_obj
def brief(settings: Settings, out: Path, html: bool) -> None:
    """Render the weekly briefing PDF: watchlist performance vs benchmarks, chart, disclaimer.

    \b
    Example:
      screener --demo brief --out briefs/     writes briefs/2026-W48.pdf from demo data
    """
    from ..report import build_briefing

    result = build_briefing(settings, out, write_html=html)
    click.echo(str(result.pdf_path))
