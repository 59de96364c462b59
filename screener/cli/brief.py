"""``screener brief``: render the weekly briefing PDF."""

from __future__ import annotations

from pathlib import Path

import click

from ..report import pdfworker
from ..settings import Settings
from .options import LANG_ALIASES, Choice


@click.command()
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=None,
    help="Output folder (the file is named <ISO week>.<lang>.pdf) or a path ending in .pdf "
    "(default: `output` in the config file, else briefs/).",
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
    "--lang",
    type=Choice(["en", "zh"], LANG_ALIASES),
    default=None,
    help="The edition: en (English) or zh (Chinese: every text, name and thesis in Chinese); "
    "zh-CN, en-US work too; default: `lang` in the config file, else en.",
)
@click.option(
    "--snapshot",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Re-render the numbers of an earlier briefing from its manifest "
    "(<week>.<lang>.manifest.json), offline, from the cache.",
)
@click.option(
    "--email",
    "email",
    multiple=True,
    metavar="ADDRESS",
    help="Also send the PDF to ADDRESS (repeatable) through [smtp] in the config file.",
)
@click.pass_obj
@pdfworker.started()  # WeasyPrint loads on the other core while the command reads the data
def brief(
    settings: Settings,
    out: Path | None,
    html: bool,
    week: str | None,
    lang: str | None,
    snapshot: Path | None,
    email: tuple[str, ...],
) -> None:
    """Render the weekly briefing PDF and its manifest (what went in, for --snapshot).

    \b
    Examples:
      screener --demo brief --out briefs/           briefs/<this ISO week>.en.pdf, demo data
      screener brief --week 2026-W47 --lang zh      last week's briefing, in Chinese
      screener brief --snapshot briefs/2026-W47.en.manifest.json --out again.pdf
      screener brief --email me@example.com         and send it (SMTP from the config file)
    """
    from ..report import build_briefing

    if week and click.get_current_context().find_root().params.get("as_of"):
        raise click.UsageError("give --week or --as-of, not both")
    user = settings.user
    if email:
        from ..mail import check_addresses, require_smtp

        require_smtp(user.smtp)  # refuse before the work, not after it
        check_addresses(email)
    out = out if out is not None else (user.output or Path("briefs"))
    lang = lang or user.lang or "en"
    from . import output

    with output.working(f"rendering the {lang} briefing"):
        result = build_briefing(
            settings, out, write_html=html, lang=lang, week=week, snapshot=snapshot
        )
    click.echo(str(result.pdf_path))
    if email:
        from ..mail import require_smtp, send_file

        demo = "DEMO DATA: " if settings.demo else ""
        send_file(
            require_smtp(user.smtp), email, result.pdf_path,
            subject=f"{demo}screener briefing {result.iso_week}",
            body=f"{demo}The weekly briefing for {result.iso_week} (as of {settings.as_of}), "
            f"{result.pages} pages, snapshot {result.snapshot_id}.\n",
        )  # fmt: skip
        click.echo(f"emailed {result.pdf_path.name} to {', '.join(email)}", err=True)
