"""The notebook API: one call per question, like the tools analysts already know.

::

    import screener
    df = screener.screen(universe="watchlists", demo=True)   # a DataFrame indexed by ticker
    df.sort_values("ret_3m").head()
    pdf = screener.brief(demo=True)                           # the PDF's path

Each call builds its own :class:`~screener.settings.Settings` (workspace resolved as the CLI
does: ``workspace=``, ``$SCREENER_WORKSPACE``, the config file, the per-user folder).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .settings import Settings

#: the text columns of a screen frame; an empty text is missing (NaN) in the notebook frame
_TEXT = ("name", "name_en", "market", "watchlist", "currency", "missing", "mix_basis",
         "score_missing", "mix_source", "mix_sources", "mix_flag")  # fmt: skip
#: numbers even when a column holds no value at all (``None`` throughout)
_NUMBERS = ("exposure_", "score", "ai_growth", "p_top", "ret_", "vol_", "max_dd", "adv_",
            "pe_", "pb", "market_cap", "fx_per", "sessions")  # fmt: skip
_DATES = ("fx_date", "last_date")
_FILTERS = ("min_exposure", "max_pe", "min_mcap_usd")


def _settings(demo: bool, as_of, workspace) -> Settings:
    from .settings import Settings
    from .workspace import Workspace

    day = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    return Settings(workspace=Workspace.open(workspace), demo=demo, as_of=day)


def screen(
    universe: str | None = "all",
    demo: bool = False,
    as_of: dt.date | str | None = None,
    *,
    watchlists: tuple[str, ...] | list[str] = (),
    tickers: tuple[str, ...] | list[str] | str = (),
    scenario: str | None = None,
    calibration: str | None = None,
    sort: str | None = None,
    top: int | None = 0,
    workspace: str | Path | None = None,
    **filters: float,
) -> pd.DataFrame:
    """The screen as a DataFrame indexed by ticker, best score first.

    ``universe``: ``watchlists``, ``a-share``, ``us`` or ``all`` (any case; ``cn`` works);
    ``tickers``: exactly these names instead of a universe (``"300308,NVDA"`` or a list);
    ``filters``: ``min_exposure``, ``max_pe``, ``min_mcap_usd``; ``top=0`` keeps every row.
    Dtypes are the same on every call: numbers ``float64`` (NaN when missing), ``rank``
    ``int64``, ``exposure_estimated`` ``bool``, text ``object`` (NaN when missing, never
    ``''``), dates ``datetime64[ns]``. ``name`` is the name as the market writes it (Chinese
    for A-shares), ``name_en`` the English one where known. What the screen was computed from
    (scenario, calibration, FX rates, notes) is in ``frame.attrs``.
    """
    import numpy as np
    import pandas as pd

    from .errors import InputError
    from .screening import Filters, run_screen

    unknown = sorted(set(filters) - set(_FILTERS))
    if unknown:
        raise InputError(f"unknown filter {unknown[0]!r}; filters: {', '.join(_FILTERS)}")
    settings = _settings(demo, as_of, workspace)
    calibration = calibration or settings.user.calibration
    result = run_screen(
        settings, universe=None if tickers else universe, watchlists=tuple(watchlists),
        tickers=(tickers,) if isinstance(tickers, str) else tuple(tickers), scenario=scenario,
        calibration=calibration, filters=Filters(**filters), sort=sort, top=top,
    )  # fmt: skip
    frame = result.frame.copy()
    for col in frame.columns:
        if col in _DATES:
            frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
        elif col in _TEXT:
            frame[col] = (
                frame[col]
                .astype(object)
                .where(frame[col].notna() & (frame[col].astype(str) != ""), np.nan)
            )
        elif col == "rank":
            frame[col] = frame[col].astype("int64")
        elif col == "exposure_estimated":
            frame[col] = frame[col].astype(bool)
        elif frame[col].dtype.kind in "iuf" or col.startswith(_NUMBERS):
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
        else:  # any other column is text, whatever the screen adds next
            frame[col] = (
                frame[col]
                .astype(object)
                .where(frame[col].notna() & (frame[col].astype(str) != ""), np.nan)
            )
    frame = frame.set_index("ticker")
    meta = result.meta()
    frame.attrs = {k: meta[k] for k in ("demo", "as_of", "universe", "universe_size",
                                        "scenario", "calibration", "fx", "notes")}  # fmt: skip
    return frame


def brief(
    out: str | Path | None = None,
    demo: bool = False,
    as_of: dt.date | str | None = None,
    *,
    week: str | None = None,
    lang: str | None = None,
    html: bool = False,
    workspace: str | Path | None = None,
) -> Path:
    """Render the weekly briefing and return the PDF's path (``out``: a folder or a
    ``.pdf`` path; default the config file's ``output``, else ``briefs/``)."""
    from .errors import InputError
    from .names import LANG_ALIASES, match
    from .report import build_briefing

    settings = _settings(demo, as_of, workspace)
    user = settings.user
    chosen = lang or user.lang or "en"
    code = match(chosen, ("en", "zh"), LANG_ALIASES)
    if code is None:
        raise InputError(f"unknown language {chosen!r}; choose en or zh")
    target = Path(out) if out is not None else (user.output or Path("briefs"))
    result = build_briefing(settings, target, write_html=html, lang=code, week=week)
    return Path(result.pdf_path)


def version() -> str:
    """The installed package's version."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("screener")
    except PackageNotFoundError:  # pragma: no cover - running from an unpacked source tree
        return "0+unknown"
