"""Curating watchlists from what the screen knows: adding names with their estimated mix,
importing a broker's or TradingView's list, exporting one, undoing the last edit.

It sits above :mod:`screener.watchlists` (the edits) and :mod:`screener.screening` (the mix
estimate), so neither imports the other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from .errors import ScreenerError, WatchlistError
from .fsutil import ensure_folder
from .settings import Settings
from .tickers import normalize_ticker, security
from .watchlists import edit
from .watchlists.edit import EditResult
from .watchlists.schema import mix_text
from .watchlists.transfer import export_text, read_ticker_file

log = logging.getLogger(__name__)

Note = Callable[[str], None]


def _estimates(settings: Settings, tickers: list[str]):
    """The estimated mixes of ``tickers``; refuses, naming it, a ticker with none."""
    from .screening import estimate_members

    frame = estimate_members(settings, tickers)
    unknown = [t for t in tickers if not frame.loc[t, "matched"]]
    if unknown:
        raise WatchlistError(
            f"{unknown[0]}: no segment mix known (its industry matches nothing in "
            "model/industry_map.yaml); give one with --segment SEG=WEIGHT"
            + (f" (also: {', '.join(unknown[1:])})" if len(unknown) > 1 else "")
        )
    return frame


def _sourced_row(settings: Settings, ticker: str) -> tuple[dict[str, Any], str] | None:
    """The industry map's per-ticker mix of ``ticker`` as the watchlist writes it (each
    sourced share in its long form, with source and period) and the row's ``mix_source``;
    None when the map has no row for it or no sourced share in it."""
    entry = settings.config.industry_map.for_ticker(ticker)
    if entry is None or not entry.shares:
        return None
    if not any(share.sourced for share in entry.shares.values()):
        return None
    mix = {seg: entry.shares[seg].model_dump(exclude_none=True)
           for seg in settings.config.model.segments  # the model's order, as estimates
           if seg in entry.shares and entry.shares[seg].share > 0}  # fmt: skip
    return mix, entry.mix_source


def add_members(
    settings: Settings,
    list_name: str,
    tickers: Sequence[str],
    *,
    segments: dict[str, float] | None = None,
    thesis: str | None = None,
    name_zh: str | None = None,
    name_en: str | None = None,
    mix_source: str | None = None,
    mix_note: str | None = None,
    tags: Iterable[str] = (),
    thesis_zh: str | None = None,
    names: dict[str, str] | None = None,
    note: Note = log.info,
    keep_going: bool = False,
) -> tuple[list[EditResult], list[tuple[str, str]]]:
    """Add ``tickers`` to ``list_name``: with ``segments``, or each with the mix the screen
    estimates from its industry (said through ``note``; refused when none is known); names
    from ``name_zh``/``name_en`` (one ticker), ``names`` (ticker -> name, e.g. from an
    imported file) or the cache, each into the field of its script; no thesis: ``no thesis
    yet``. Returns the edits and, with ``keep_going``, the (ticker, reason) refused."""
    from .watchlists import get_watchlist

    canonical = list(dict.fromkeys(normalize_ticker(t, prefer="stock") for t in tickers))
    for ticker in canonical:
        if security(ticker).kind == "index":
            raise WatchlistError(f"{ticker} is an index; watchlists hold stocks and ETFs")
    if len(canonical) > 1 and (name_zh or name_en):
        raise WatchlistError("--name and --name-en name one ticker: add the others separately")
    current = get_watchlist(settings, list_name)  # a bad or unknown name first, nothing read
    # a home that cannot be a folder first: the estimate below would read no cache in it and
    # blame the mix, and the edit itself needs it for its lock and history
    ensure_folder(settings.home, "$SCREENER_HOME", "set $SCREENER_HOME to a folder you can "
                  "write (it holds the cache and the watchlist history)")  # fmt: skip
    list_name = current.name
    failed: list[tuple[str, str]] = []
    if segments is None:  # no mix to estimate for a name the list already has
        on = [t for t in canonical if t in set(current.tickers)]
        if on and (not keep_going or len(on) == len(canonical)):
            edit.add_member(settings, list_name, on[0], thesis="-", segments={})  # refuses
        failed += [(t, f"{t} is already on {list_name}") for t in on]
        canonical = [t for t in canonical if t not in on]
    estimates = _estimates(settings, canonical) if segments is None else None
    if not (thesis or "").strip():
        thesis = edit.NO_THESIS
        note(f"no thesis given: saved as {edit.NO_THESIS!r}; write one with "
             f"`screener watchlist set {list_name} TICKER --thesis ...`")  # fmt: skip
    model_segments = list(settings.config.model.segments)
    done: list[EditResult] = []
    for ticker in canonical:
        mix, source, how = segments, mix_source, mix_note
        given = edit.by_script(name_zh, name_en, (names or {}).get(ticker))
        if estimates is not None:
            row = estimates.loc[ticker]
            mix = {s: round(float(row[s]), 4) for s in model_segments if float(row[s]) > 0}
            source = source or "estimate"
            how = how or f"{row['mix_basis']} (model/industry_map.yaml), by `watchlist add`"
            kind = "estimated"
            sourced = _sourced_row(settings, ticker)
            if sourced is not None:  # the map's own row for the name: keep its sources
                mix, source, kind = sourced[0], mix_source or sourced[1], "sourced"
            given = edit.by_script(row["name"], row["name_en"]) | given
            note(f"{ticker}: no --segment given: using the {kind} mix {mix_text(mix)} "
                 f"({row['mix_basis']}); change it with `screener watchlist set {list_name} "
                 f"{ticker} --segment SEG=WEIGHT ...`")  # fmt: skip
        try:
            result = edit.add_member(
                settings, list_name, ticker, thesis=thesis, segments=mix,
                name_zh=given.get("name_zh"), name_en=given.get("name_en"),
                mix_source=source, mix_note=how, tags=tags, thesis_zh=thesis_zh,
            )  # fmt: skip
            done.append(result)
        except ScreenerError as exc:
            if not keep_going:
                raise
            failed.append((ticker, str(exc).splitlines()[0]))
    return done, failed


def import_watchlist(
    settings: Settings,
    list_name: str,
    path: Path,
    *,
    create: bool = False,
    thesis: str | None = None,
    note: Note = log.info,
) -> tuple[list[EditResult], list[tuple[str, str]]]:
    """Add every ticker of ``path`` (a TradingView ``.txt`` list, an 东方财富 or 同花顺 自选股
    CSV export, or a plain CSV with a ticker column) to ``list_name`` with its estimated mix;
    names from the file go to the field of their script. A ticker already on the list, or
    with no known mix, is skipped with its reason (returned); ``create`` makes the list
    first when it does not exist."""
    entries = read_ticker_file(path)
    if create:
        from .watchlists.schema import watchlist_paths

        if list_name not in {p.stem for p in watchlist_paths(settings.workspace.watchlists_dir)}:
            edit.create_watchlist(settings, list_name, description=f"imported from {path.name}")
    from .watchlists import get_watchlist

    have = set(get_watchlist(settings, list_name).tickers)
    wanted = [t for t, _ in entries if t not in have]
    skipped = [(t, f"already on {list_name}") for t, _ in entries if t in have]
    if not wanted:
        return [], skipped
    from .screening import estimate_members

    known = estimate_members(settings, wanted)
    unknown = [(t, "no segment mix known (industry not in model/industry_map.yaml)")
               for t in wanted if not known.loc[t, "matched"]]  # fmt: skip
    wanted = [t for t in wanted if known.loc[t, "matched"]]
    names = {t: n for t, n in entries if n}
    done: list[EditResult] = []
    failed: list[tuple[str, str]] = []
    if wanted:
        done, failed = add_members(settings, list_name, wanted, thesis=thesis, names=names,
                                   note=note, keep_going=True)  # fmt: skip
    return done, [*skipped, *unknown, *failed]


def export_watchlist(settings: Settings, list_name: str, fmt: str = "csv") -> str:
    """Watchlist ``list_name`` as text: ``tradingview`` (``EXCH:SYM`` comma-separated, what
    TradingView's "import list" reads) or ``csv`` (ticker, names, mix, thesis)."""
    from .watchlists import get_watchlist

    return export_text(get_watchlist(settings, list_name), fmt)


def undo_edit(settings: Settings, list_name: str | None = None) -> EditResult:
    """Undo the last recorded edit of this workspace's watchlists (of ``list_name`` when
    given): see :func:`screener.watchlists.edit.undo_last`."""
    return edit.undo_last(settings, list_name)
