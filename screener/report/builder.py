"""Building the weekly briefing: gather each section's finished numbers, render once, write
the PDF and its manifest."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..data import ensure_cached, gaps_of, load_bars
from ..data.cache import Cache
from ..errors import InputError
from ..fsutil import write_all_atomic
from ..settings import Settings
from ..watchlists import Watchlist, load_all
from ..workspace import Workspace
from . import manifest as mf
from .asof import AsOf
from .catalysts import catalyst_context
from .changes import change_rows, changes_sentence, watchlist_changes
from .cover import basket_rows, names_to_act_on, the_call
from .datagaps import appendix_rows, failed_fetches, gap_rows, unknown_mix_rows
from .exposure_section import exposure_section_context
from .model_section import model_section_context
from .pdfworker import html_to_pdf
from .performance import compute_performance, performance_context
from .render import render_html
from .scorecard import fx_notes, house_screens, scorecard_context
from .takeaways import model_numbers, risks

log = logging.getLogger(__name__)

TEMPLATE = "briefing.html.j2"


@dataclass(frozen=True)
class BriefingResult:
    pdf_path: Path
    html_path: Path | None
    manifest_path: Path
    iso_week: str
    pages: int
    snapshot_id: str


@dataclass(frozen=True)
class BriefingHTML:
    """A briefing before it is drawn: the HTML that is rendered to PDF, and its manifest."""

    html: str
    manifest: dict
    iso_week: str
    lang: str

    @property
    def snapshot_id(self) -> str:
        return self.manifest["snapshot_id"]


def output_path(out: Path, iso_week: str, lang: str = "en") -> Path:
    """``out`` itself when it names a .pdf file, else ``out/<ISO week>.<lang>.pdf`` (so the
    English and Chinese editions of one week sit side by side). A path that cannot be written
    (a folder named like a PDF, a file that is not a folder, a path below a file) is refused."""
    out = Path(out)
    if out.suffix.lower() == ".pdf":
        if out.is_dir():
            raise InputError(f"--out {out}: is a folder; give a file name or the folder itself")
        target = out
    elif out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a folder; give a folder or a .pdf path")
    else:
        target = out / f"{iso_week}.{lang}.pdf"
        if target.is_dir():
            raise InputError(f"--out {out}: {target} is a folder")
    below = next((p for p in target.parents if p.exists()), None)
    if below is not None and not below.is_dir():
        raise InputError(f"--out {out}: {below} is a file, not a folder")
    return target


def build_briefing(
    settings: Settings,
    out: Path,
    write_html: bool = False,
    *,
    lang: str = "en",
    week: str | None = None,
    snapshot: Path | None = None,
) -> BriefingResult:
    """Render the briefing for the workspace's watchlists and write it (and its manifest).

    ``week`` (``YYYY-Www``) resolves to the last trading day of that ISO week on each market;
    ``snapshot`` re-renders the numbers of an earlier manifest from the cache. A bad ``out``
    is refused before any work.
    """
    with _prepared(settings, lang, week, snapshot, out) as (briefing, ws):
        pdf, pages = html_to_pdf(
            briefing.html,
            base_dir=ws.template_dirs[0],
            allowed_roots=ws.template_dirs,
            snapshot_id=briefing.manifest["snapshot_id"],
        )
    html = briefing.html if write_html else None
    return _write(out, briefing.iso_week, briefing.lang, pdf, pages, html, briefing.manifest)


def briefing_html(
    settings: Settings,
    *,
    lang: str = "en",
    week: str | None = None,
    snapshot: Path | None = None,
) -> BriefingHTML:
    """The briefing :func:`build_briefing` would draw, as HTML with its manifest, written
    nowhere (every number and text of the PDF, without the seconds a PDF takes to draw)."""
    with _prepared(settings, lang, week, snapshot, None) as (briefing, _):
        return briefing


@contextmanager
def _prepared(
    settings: Settings, lang: str, week: str | None, snapshot: Path | None, out: Path | None
) -> Iterator[tuple[BriefingHTML, Workspace]]:
    """The briefing's HTML and the workspace whose templates it was made from (a snapshot's
    exists only inside this block)."""
    if snapshot is not None:
        manifest = mf.read_manifest(snapshot)
        for problem in mf.check_outputs(snapshot, manifest):  # a kill between renames, a copy
            log.warning("%s", problem)
        with mf.snapshot_workspace(manifest) as root:
            # templates still come from the caller's workspace (their hashes are not pinned)
            settings = dataclasses.replace(
                settings,
                workspace=_with_templates(Workspace(root), settings.workspace),
                as_of=mf.as_of_day(manifest),
                demo=bool(manifest["demo"]),
            )
            as_of = AsOf.for_day(settings.as_of)
            if out is not None:
                output_path(out, as_of.iso_week, manifest["lang"])
            changes = manifest["changes"]
            yield _html(settings, manifest["lang"], as_of, changes, manifest), settings.workspace
        return
    as_of = AsOf.for_week(week, settings.as_of) if week else AsOf.for_day(settings.as_of)
    if week:
        settings = dataclasses.replace(settings, as_of=as_of.day)
    if out is not None:
        output_path(out, as_of.iso_week, lang)  # refuse a bad --out before any work
    changes = watchlist_changes(settings.home, settings.workspace.own_folder("watchlists"), as_of)
    yield _html(settings, lang, as_of, changes, None), settings.workspace


def _with_templates(snapshot_ws: Workspace, user_ws: Workspace) -> Workspace:
    own = user_ws.root / "templates"
    if own.is_dir():
        (snapshot_ws.root / "templates").symlink_to(own.resolve(), target_is_directory=True)
    return snapshot_ws


def _html(
    settings: Settings,
    lang: str,
    as_of: AsOf,
    changes: list[dict],
    snapshot_of: dict | None,
) -> BriefingHTML:
    ws = settings.workspace
    t = settings.config.texts("briefing", lang)
    lists = load_all(settings)
    benchmarks = settings.config.briefing.benchmark_tickers
    tickers = list(dict.fromkeys([tk for wl in lists for tk in wl.tickers] + list(benchmarks)))
    ensure_cached(settings, tickers, as_of.history_start())
    bars = load_bars(settings, tickers, as_of.history_start(), as_of.day)
    if snapshot_of is not None:
        mf.check_data(snapshot_of, bars)
    manifest = mf.build_manifest(
        week=as_of.iso_week,
        lang=lang,
        demo=settings.demo,
        as_of={
            "day": as_of.day.isoformat(),
            "cn": as_of.cn.isoformat(),
            "us": as_of.us.isoformat(),
        },
        model_files=ws.files("model"),
        watchlists_dir=ws.watchlists_dir,
        bars=bars,
        changes=changes,
    )
    context = _context(settings, lists, bars, as_of, t, lang, changes, tickers)
    context["snapshot_id"] = manifest["snapshot_id"]
    context["versions"] = manifest["versions"]
    kept = settings.home / "template-cache"  # compiled templates, kept between processes
    html = render_html(ws.template_dirs, TEMPLATE, context, na=t["na"], compiled_dir=kept)
    return BriefingHTML(html, manifest, as_of.iso_week, lang)


def _context(
    settings: Settings,
    lists: list[Watchlist],
    bars,
    as_of: AsOf,
    t: dict[str, str],
    lang: str,
    changes: list[dict],
    tickers: list[str],
) -> dict:
    config = settings.config
    model, briefing, names = config.model, config.briefing, config.names_zh
    key = "zh" if lang == "zh" else "en"
    labels = {sid: getattr(seg, key) for sid, seg in model.segments.items()}
    labels["other"] = t["segment_other"]
    labels["unknown"] = t["segment_unknown"]
    perf, wide = compute_performance(lists, bars, as_of, briefing, t, config.screen.stale_sessions)
    context = performance_context(perf, wide, lists, as_of, settings.demo, t, briefing, names)
    context["lang"] = key
    # the house calibration (model/screen.yaml) leads the model section as it does the screen
    house = settings.config.screen.calibration
    context["model"] = model_section_context(settings, calibration=house, lang=lang)
    pair = house_screens(settings, lists, as_of)
    context["exposure"] = exposure_section_context(
        settings, lists, lang=lang, screened=(pair.this, pair.fallback)
    )
    card = scorecard_context(pair, lists, perf, key, names, t, model)
    card["fx"] = fx_notes(pair.this, as_of.day, briefing.fx_max_age_days, t)
    context["scorecard"] = card
    rows = card["rows"]
    context["call"] = the_call(perf, briefing, rows, t, key)
    context["cover_baskets"] = basket_rows(perf, briefing, key)
    context["act"] = names_to_act_on(rows, briefing.act_top, briefing.act_bottom)
    context["changes"] = change_rows(changes, lists, labels, names, t, key)
    context["theses"] = _theses(lists, labels, names, t, key)
    context["catalysts"] = catalyst_context(settings, tickers, t)
    gaps = gap_rows(gaps_of(bars), t) + unknown_mix_rows(lists, t)
    context["gaps"] = gaps
    context["estimated"] = [
        c["ticker"] for c in context["exposure"]["candidates"] if c["estimated"]
    ]
    also = [changes_sentence(context["changes"], t)]
    if gaps:
        also.append(t["takeaway_gaps"].format(count=len({g["ticker"] for g in gaps})))
    context["also"] = also
    with Cache.open(settings) as cache:  # the briefing's tickers only, selected in SQL
        context["appendix"] = appendix_rows(cache.status(tickers), tickers)
        since = (dt.datetime.now(dt.UTC) - dt.timedelta(days=7)).isoformat()
        log_rows = cache.fetch_log(tickers=tickers, since=since)
        context["failed"] = failed_fetches(log_rows, since, set(tickers))
    numbers = model_numbers(settings, key)
    formats = config.model_texts(lang)["formats"]
    context["risks"] = risks(numbers, model, formats, t)
    return context


def _theses(lists, labels, names, t, lang: str) -> list[dict]:
    """The appendix's members per watchlist: name, mix and thesis in the note's language (the
    Chinese thesis where the watchlist has one)."""
    from .performance import member_name

    sep = t["item_join"]
    out = []
    for wl in lists:
        rows = []
        for m in wl.members:
            weights, other = m.weights, m.other_weight
            if weights is None:
                mix = [labels["unknown"]]
            else:
                mix = [f"{labels.get(seg, seg)} {w:.0%}" for seg, w in weights.items()]
                if other is not None and other > 1e-9:
                    mix.append(f"{labels['other']} {other:.0%}")
            thesis = (m.thesis_zh or m.thesis) if lang == "zh" else m.thesis
            rows.append(
                {"ticker": m.ticker, **member_name(m, lang, names), "mix": sep.join(mix),
                 "thesis": thesis}
            )  # fmt: skip
        out.append({"title": wl.title.zh if lang == "zh" else wl.title.en, "rows": rows})
    return out


def _write(out, iso_week, lang, pdf, pages, html, manifest) -> BriefingResult:
    """The PDF, its manifest and the HTML, written as a unit (:func:`write_all_atomic`): a
    failure before they are all on disk leaves the previous files byte-identical. The manifest
    records the SHA-256 of the PDF and HTML beside it (``hashes.outputs``), so a PDF and
    manifest that do not belong together (a kill between the renames, a file copied over) are
    told apart by :func:`~screener.report.manifest.check_outputs`."""
    path = output_path(out, iso_week, lang)
    manifest_path = path.with_suffix(".manifest.json")
    html_path = path.with_suffix(".html") if html is not None else None
    outputs = [(path, pdf)]
    if html_path is not None:
        outputs.append((html_path, html.encode("utf-8")))
    manifest = mf.with_outputs(manifest, outputs)
    outputs.insert(1, (manifest_path, mf.dumps(manifest)))
    try:
        write_all_atomic(outputs)
    except OSError as exc:  # a folder named like the file, a file where a folder should be
        target = exc.filename or path
        raise InputError(f"--out {out}: cannot write {target}: {exc.strerror or exc}") from exc
    log.info("wrote %s (%d bytes, %d pages)", path, len(pdf), pages)
    return BriefingResult(path, html_path, manifest_path, iso_week, pages, manifest["snapshot_id"])
