"""The screen to share: an Excel workbook (screen, notes, FX, as-of sheets) and a
self-contained sortable web page; the bytes are written by :mod:`.output`."""

from __future__ import annotations

import pandas as pd

from ..screening import ScreenResult
from . import output
from .screen_view import _cells, _footer, _header, _missing, _title, _with_band, view_columns


def workbook_sheets(result: ScreenResult) -> dict[str, pd.DataFrame]:
    """The screen, its notes, the FX rates used and what it was computed as of, one sheet
    each."""
    meta = result.meta()
    about = [(k, meta[k]) for k in ("as_of", "demo", "universe", "universe_size", "scenario",
                                    "calibration")]  # fmt: skip
    about.append(("rows", len(result.frame)))
    notes = [*result.notes, *_footer(result)[1:]]
    fx = result.fx.reset_index().rename(columns={"index": "currency"})
    return {
        "screen": result.frame,
        "notes": pd.DataFrame({"note": list(dict.fromkeys(notes))}),
        "FX": fx,
        "as-of": pd.DataFrame(about, columns=["key", "value"]).astype({"value": str}),
    }


def html_text(
    result: ScreenResult, what: str = "screen", view: str = "summary", columns: str | None = None
) -> str:
    """The screen as a self-contained, sortable web page (nothing fetched)."""
    frame = _with_band(result.frame)  # the table's P10…P90 column
    wanted = view_columns(result, view, columns)
    cells = _cells(frame, wanted, result)
    numeric = [_header(c, result)[2] and frame[c].dtype.kind in "iufb" for c in wanted]
    rows = []
    for i, raw in enumerate(frame[wanted].astype(object).to_numpy().tolist()):
        row = []
        for j, col in enumerate(wanted):
            value = raw[j]
            sort = None if _missing(value) else value
            row.append((cells[col][i], sort))
        rows.append(row)
    headers = [_header(c, result)[0] for c in wanted]
    title = _title(result, what)
    meta = "Click a column header to sort; click again to reverse."
    return output.html_page(title, headers, rows, numeric, meta=meta, notes=_footer(result, wanted))
