"""``screener watchlist ...``: read and edit the watchlist files. Thin: parse, call, print.

The logic lives in :mod:`screener.watchlists` (reading, edits, history); ``suggest`` asks
the screen (:func:`screener.screening.suggest`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from ..errors import WatchlistError
from ..settings import Settings
from ..universe_names import UNIVERSE_ALIASES, UNIVERSES
from ..watchlists import (
    edit,
    get_watchlist,
    list_watchlists,
    members_frame,
    stray_temp_files,
    validate_watchlists,
    watchlist_history,
)
from . import output
from .options import Choice, complete_watchlists, format_option

if TYPE_CHECKING:
    import pandas as pd

_DAY = click.DateTime(formats=["%Y-%m-%d"])


def _segment_option(help_text: str):
    return click.option(
        "--segment",
        "segments",
        multiple=True,
        metavar="SEG=WEIGHT",
        help=help_text,
    )


def _member_options(command):
    """The options ``add`` and ``set`` share (besides --segment)."""
    options = [
        click.option("--thesis", help="One line: why the name is on the list."),
        click.option("--thesis-zh", "thesis_zh", help="The thesis in Chinese (thesis_zh)."),
        click.option("--name", "name_zh", help="Chinese name (name_zh), e.g. 新易盛."),
        click.option("--name-en", "name_en", help="English name (name_en), e.g. Eoptolink."),
        click.option(
            "--source",
            "mix_source",
            help="Where the segment mix comes from, e.g. '2024 annual report, segment table' "
            "(add: default 'estimate').",
        ),
        click.option("--note", "mix_note", help="How the mix was worked out (mix_note)."),
        click.option("--tag", "tags", multiple=True, help="A tag; repeat for several."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group()
def watchlist() -> None:
    """Read and edit watchlists: the YAML files in your workspace's watchlists/ folder.

    Edits keep every comment and line you wrote, are validated before anything is saved,
    keep the previous version as <name>.yaml.bak beside the file, refuse to overwrite a
    change someone else made meanwhile, and are recorded (see `history`). The first edit
    copies the shipped default lists into <workspace>/watchlists/.

    \b
    Examples:
      screener watchlist list
      screener watchlist show compute
      screener watchlist add compute 300502 --segment optical=0.95 --thesis "800G transceivers"
      screener watchlist history compute
    """


# -- reading ------------------------------------------------------------------------------------


@watchlist.command("list")
@format_option()
@click.pass_obj
def list_(settings: Settings, fmt: str) -> None:
    """List the watchlists: name, title, side, member count and file.

    A file that does not validate is listed with its problem (file:line) instead.

    \b
    Example:
      screener watchlist list --format json
    """
    frame = list_watchlists(settings)
    if frame.empty and fmt == "table":
        output.say(f"no watchlists in {settings.workspace.watchlists_dir}")
        return
    if fmt == "table":
        keep = ["name", "title_zh", "title_en", "side", "members"]
        frame = frame[keep + (["problem"] if frame["problem"].astype(bool).any() else [])]
    _emit(frame, fmt, title=f"watchlists in {settings.workspace.watchlists_dir}")


@watchlist.command()
@click.argument("name", shell_complete=complete_watchlists)
@format_option()
@click.pass_obj
def show(settings: Settings, name: str, fmt: str) -> None:
    """Show one watchlist's members: tickers, names, segment mix (the rest is `other`), thesis.

    \b
    Example:
      screener watchlist show compute
      screener watchlist show application --format csv > application.csv
    """
    wl = get_watchlist(settings, name)
    frame = members_frame(wl)
    if fmt == "json":
        data = wl.model_dump(mode="json")
        data["path"] = str(wl.path)
        for member, other in zip(data["members"], frame["other"], strict=True):
            member["other"] = other
        output.emit_json(data)
        return
    if fmt == "table":  # the names on two lines, a segment per line: 100 columns read well
        names = [
            "\n".join(x for x in (zh, en) if x)
            for zh, en in zip(frame["name_zh"], frame["name_en"], strict=True)
        ]
        mix = frame["segments"].str.replace(", ", "\n", regex=False)
        frame = frame.assign(name=names, segments=mix)
        wide = output.terminal_width() >= 140  # the day added only where the thesis has room
        frame = frame[["ticker", "name", "segments", "thesis", *(["added"] if wide else [])]]
    _emit(frame, fmt, title=f"{wl.name}: {wl.title.zh} / {wl.title.en} ({wl.side}) - {wl.path}")


@watchlist.command()
@click.argument("name", required=False, shell_complete=complete_watchlists)
@click.pass_obj
def validate(settings: Settings, name: str | None) -> None:
    """Check one watchlist, or all of them, as the briefing and screen will load them.

    Prints one line per file; exits 1 if any file is invalid, naming the first problem
    with its file and line. Stray temporary files left by an interrupted write are noted
    (they are never read as watchlists and are safe to delete).

    \b
    Examples:
      screener watchlist validate
      screener watchlist validate compute
    """
    checks = validate_watchlists(settings, name)
    for check in checks:
        if check.ok:
            output.say(f"ok       {check.name}: {check.members} members ({check.path})")
        else:
            output.say(f"invalid  {check.problem}")
    for path in stray_temp_files(settings):
        output.say(f"note: {path} is left over from an interrupted write; it is never read")
    bad = [c for c in checks if not c.ok]
    if bad:
        more = f" (and {len(bad) - 1} more invalid)" if len(bad) > 1 else ""
        raise WatchlistError(f"{bad[0].problem}{more}")


@watchlist.command()
@click.argument("name", required=False, shell_complete=complete_watchlists)
@click.option("--since", type=_DAY, metavar="YYYY-MM-DD", help="Only changes on or after.")
@click.option("--until", type=_DAY, metavar="YYYY-MM-DD", help="Only changes on or before.")
@format_option()
@click.pass_obj
def history(
    settings: Settings,
    name: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    fmt: str,
) -> None:
    """Show the changes made through these commands: when, what, before and after.

    Without NAME, every watchlist in this workspace. The record lives in
    $SCREENER_HOME/watchlist-history.jsonl; edits made by hand are not in it (their previous
    version is not known), but the .bak file keeps the version before the last command edit.

    \b
    Examples:
      screener watchlist history compute
      screener watchlist history --since 2026-11-23 --format json
    """
    records = watchlist_history(
        settings,
        name,
        since=since.date() if since else None,
        until=until.date() if until else None,
    )
    if fmt == "json":
        plain = [{k: v for k, v in r.items() if k != "when"} for r in records]
        output.emit_json(plain)
        return
    if not records and fmt == "table":
        output.say("no recorded changes" + (f" to {name}" if name else ""))
        return
    rows = [
        {
            "when": r["when"].strftime("%Y-%m-%d %H:%M"),
            "list": r.get("list"),
            "action": r.get("action"),
            "ticker": r.get("ticker") or "",
            "summary": r.get("summary", ""),
            "change": change_text(r),
        }
        for r in records
    ]
    import pandas as pd

    frame = pd.DataFrame(rows)
    if fmt == "table":
        frame = frame[["when", "list", "summary", "change"]]  # the summary names the ticker
    _emit(frame, fmt, title="watchlist changes")


# -- editing ------------------------------------------------------------------------------------


@watchlist.command()
@click.argument("name", shell_complete=complete_watchlists)
@click.option("--title-zh", help="Chinese title, e.g. 光模块. Default: the English title.")
@click.option("--title-en", help="English title, e.g. 'Optical modules'. Default: NAME.")
@click.option(
    "--side",
    type=Choice(["compute", "application", "other"]),
    default="other",
    show_default=True,
    help="Which side of the AI-compute theme the list covers.",
)
@click.option("--description", default="", help="One line on what the list is for.")
@click.pass_obj
def create(
    settings: Settings,
    name: str,
    title_zh: str | None,
    title_en: str | None,
    side: str,
    description: str,
) -> None:
    """Create an empty watchlist NAME (lower-case letters, digits, '-' or '_').

    \b
    Example:
      screener watchlist create optical --title-zh 光模块 --title-en "Optical modules" \\
          --side compute
    """
    result = edit.create_watchlist(
        settings, name, title_zh=title_zh, title_en=title_en, side=side, description=description
    )
    _report(result)


@watchlist.command()
@click.argument("name", shell_complete=complete_watchlists)
@click.argument("tickers", nargs=-1, required=True, metavar="TICKER...")
@_segment_option(
    "AI-driven revenue share in a model segment (0-1); repeat for several. Weights sum to at "
    "most 1; the rest counts as `other`. Given here a share is an unsourced estimate (flagged); "
    "write {share, as_of, estimated, source} in the file to source it. Without it, the mix the "
    "industry map (model/industry_map.yaml) gives the name is used and said so."
)
@_member_options
@click.pass_obj
def add(settings: Settings, name: str, tickers: tuple[str, ...], segments, **fields) -> None:
    """Add one or more TICKERs to watchlist NAME.

    A TICKER may be bare (300502 becomes 300502.SZ), canonical (688256.SH, NVDA) or as
    brokers write it (sh600519, SSE:600519, NASDAQ:NVDA). Without --segment each name gets
    the mix the screen estimates from its industry (refused when its industry maps to no
    segment). Names come from the market-data cache, each into the field of its script
    (Chinese: name_zh, Latin: name_en); --name and --name-en give them for one ticker.
    Without --thesis the member is saved with "no thesis yet": add one with `set`.

    \b
    Examples:
      screener --demo watchlist add compute MU AMD
      screener watchlist add compute 300502 --segment optical=0.95 \\
          --thesis "400G/800G transceivers for AI clusters" --name 新易盛 --name-en Eoptolink
    """
    from ..curate import add_members

    tags = fields.pop("tags")
    mix = edit.parse_segments(segments) if segments else None
    # without --segment each name's industry is looked up (a demo fill, or the cache): seconds
    with output.working(f"adding {len(tickers)} to {name}" if mix is None else ""):
        done, failed = add_members(
            settings, name, tickers, segments=mix, tags=tags, note=_note,
            keep_going=len(tickers) > 1, **fields,
        )  # fmt: skip
    for result in done:
        _report(result)
    for _, reason in failed:
        output.say(f"error: {reason}", err=True)
    if failed:
        output.say(f"{len(done)} of {len(tickers)} added; not added: "
                   f"{', '.join(t for t, _ in failed)}", err=True)  # fmt: skip
        raise click.exceptions.Exit(3)


def add_command(list_name: str, ticker: str, segments: str, width: int | None = None) -> str:
    """A ready ``screener watchlist add`` line for a suggested name and its estimated mix;
    with ``width``, broken with ``\\`` continuations between options to fit that many
    columns after a two-space indent (the shell reads it as one line)."""
    import shlex

    words = [shlex.join(["screener", "watchlist", "add", list_name, ticker])]
    words += [shlex.join(["--segment", pair]) for pair in segments.split()]
    words.append(shlex.join(["--thesis", "WHY IT BELONGS"]))
    if width is None:
        return " ".join(words)
    lines, line = [], words[0]
    for word in words[1:]:
        if 2 + len(line) + 1 + len(word) + 2 > width:  # indent, line, space, word, " \\"
            lines.append(line + " \\")
            line = "    " + word
        else:
            line += " " + word
    return "\n  ".join([*lines, line])


@watchlist.command()
@click.argument("name", shell_complete=complete_watchlists)
@click.argument("ticker")
@click.pass_obj
def remove(settings: Settings, name: str, ticker: str) -> None:
    """Remove TICKER from watchlist NAME (comment lines around it stay).

    \b
    Example:
      screener watchlist remove compute 300502.SZ
    """
    _report(edit.remove_member(settings, name, ticker))


@watchlist.command("set")
@click.argument("name", shell_complete=complete_watchlists)
@click.argument("ticker")
@_segment_option(
    "The new segment mix, replacing the old one (and its sources) entirely: give every "
    "segment (0-1), repeating the option. The rest counts as `other`; the shares are unsourced "
    "estimates until the file gives their source."
)
@_member_options
@click.pass_obj
def set_(settings: Settings, name: str, ticker: str, segments: Sequence[str], **fields) -> None:
    """Change TICKER's segment mix, thesis, names, mix source, note or tags on NAME.

    Only the options given change. --segment replaces the whole mix; --tag replaces all tags.

    \b
    Examples:
      screener watchlist set compute 300308.SZ --segment optical=0.85 --segment networking=0.05
      screener watchlist set compute NVDA --thesis "Sets the pace of AI compute"
    """
    tags = fields.pop("tags")
    result = edit.set_member(
        settings,
        name,
        ticker,
        segments=edit.parse_segments(segments) if segments else None,
        tags=list(tags) if tags else None,
        **fields,
    )
    _report(result)


# -- printing -----------------------------------------------------------------------------------


def _emit(frame: pd.DataFrame, fmt: str, title: str = "") -> None:
    if fmt == "table":
        output.emit_table(frame, title, fold=True)
    else:
        output.emit_frame(frame, fmt)


@watchlist.command()
@click.argument("name", shell_complete=complete_watchlists)
@click.option(
    "--top",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Candidates to show (0: all).",
)
@click.option(
    "--universe",
    type=Choice(UNIVERSES, UNIVERSE_ALIASES),
    default="all",
    show_default=True,
    help="Where to look (a-share and all need the cached whole-market snapshot).",
)
@click.option("--scenario", help="Scenario whose exposure ranks the candidates.")
@format_option()
@click.pass_obj
def suggest(settings: Settings, name: str, top: int, universe: str, scenario, fmt: str) -> None:
    """Names the screen ranks high that are on no watchlist and fit NAME's segments.

    A candidate's exposure is at least suggest_min_exposure (model/screen.yaml) and its mix
    resembles the list's average member mix (fit, 0-1). Its mix is estimated from its
    industry: check it before adding the name with `screener watchlist add`.

    \b
    Examples:
      screener --demo watchlist suggest compute
      screener watchlist suggest application --universe a-share --top 20 --format csv
    """
    from ..screening import suggest as suggest_names
    from .screen import emit

    with output.working(f"looking for candidates for {name}"):
        result = suggest_names(settings, name, top=top, universe=universe, scenario=scenario)
    emit(result, fmt, what=f"suggestions for {name}", view="suggest")
    if fmt == "table" and len(result.frame):
        output.say("To add them (check each estimated mix and write a thesis first):")
        for _, row in result.frame.iterrows():
            line = add_command(name, row["ticker"], row["segments"], output.terminal_width())
            output.say("  " + line)


from .watchlist_more import _note, _report, change_text, export, import_, undo  # noqa: E402

for _command in (undo, import_, export):
    watchlist.add_command(_command)
