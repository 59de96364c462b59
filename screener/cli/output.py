"""How every command writes its results: human tables, CSV, JSON, JSON lines, records, an
Excel workbook and a self-contained HTML page, through one encoder.

Data goes to stdout alone; notes and progress go to stderr. JSON is strict (no NaN): missing
numbers are ``null``, dates ``YYYY-MM-DD``, numpy scalars plain numbers. ``jsonl`` (one row
per line) and ``records`` (a bare list) are what ``pandas.read_json`` reads.

Text from outside (a watchlist's names and theses, a vendor's company name, a file's content
quoted in an error) is made safe on the way out:

- terminal output (tables, plain lines, the ``error:`` line) loses control characters (ESC,
  BEL, the C1 range, bidirectional overrides): a thesis cannot set the terminal's title or
  clear the screen; rich markup in it (``[red]``, ``[link=...]``) is printed as written;
- a CSV cell holding text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return is prefixed with ``'`` (OWASP's rule against CSV injection: a spreadsheet would run
  it as a formula); numbers stay numbers; ``--raw`` writes the text as it is.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import math
import sys
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .safetext import RAW_KEY, formula_safe, plain

if TYPE_CHECKING:
    import pandas as pd


def _loaded(name: str) -> Any:
    """``numpy`` or ``pandas`` if this process has imported it, else None: a value can only be
    one of their objects if it has, and a command that printed none (``watchlist validate``)
    should not pay their import."""
    return sys.modules.get(name)


def _raw() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.find_root().meta.get(RAW_KEY))


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: NaN and infinities ``null``, dates ISO text, numpy
    scalars Python numbers, paths text."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    np, pd = _loaded("numpy"), _loaded("pandas")
    if np is not None and isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if pd is not None:
        if value is pd.NaT or (value is not None and _is_na_scalar(value)):
            return None
        if isinstance(value, pd.Timestamp):
            return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def _is_na_scalar(value: Any) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value)) if not isinstance(value, str | bytes) else False
    except (TypeError, ValueError):
        return False


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as JSON-ready dicts."""
    return [jsonable(r) for r in frame.to_dict(orient="records")]


def dumps(data: Any) -> str:
    return json.dumps(jsonable(data), ensure_ascii=False, indent=2, allow_nan=False)


def emit_json(data: Any) -> None:
    click.echo(dumps(data))


def csv_text(frame: pd.DataFrame, *, raw: bool | None = None) -> str:
    """A frame as CSV text: missing values empty, dates ISO, text that would start a formula
    prefixed with ``'`` unless ``raw`` (default: the command's ``--raw``)."""
    cell = (lambda v: v) if (_raw() if raw is None else raw) else formula_safe
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([cell(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow(["" if (v := jsonable(x)) is None else cell(v) for x in row])
    return out.getvalue()


def emit_csv(frame: pd.DataFrame) -> None:
    click.echo(csv_text(frame), nl=False)


def say(text: str, *, err: bool = False) -> None:
    """A line for people (on stdout, or stderr with ``err``), its control characters gone."""
    click.echo(plain(text), err=err)


def safe_console(**kwargs: Any):
    """A rich console that prints every string as written: no markup, no emoji codes, no
    control characters (tables' cells and titles pass through it too)."""
    from rich.console import Console

    class SafeConsole(Console):
        def render_str(self, text: str, **kw: Any):
            kw["markup"] = False
            kw["emoji"] = False
            return super().render_str(plain(text), **kw)

    return SafeConsole(**kwargs)


def emit_notes(notes: list[str]) -> None:
    for note in notes:
        say(f"note: {note}", err=True)


def terminal_width(pipe: int = 200) -> int:
    """The width tables fit: ``$COLUMNS`` when set, else the terminal's, else ``pipe``."""
    import os
    import shutil

    env = os.environ.get("COLUMNS", "").strip()
    if env.isdigit() and int(env) > 20:
        return int(env)
    if sys.stdout.isatty():
        return shutil.get_terminal_size((100, 24)).columns
    return pipe


#: a text column whose longest line is at most this many cells is shown whole (tickers, dates)
_WHOLE = 16


def emit_table(frame: pd.DataFrame, title: str = "", *, fold: bool = False) -> None:
    """A frame as a rich table that fits :func:`terminal_width`: numbers right-aligned and,
    like short text (tickers, dates, codes), never cut; longer text wraps (``fold``) or is
    shortened with an ellipsis; missing values blank; a cell may hold several lines."""
    from rich.cells import cell_len
    from rich.table import Table

    rows = [
        ["" if (v := jsonable(x)) is None else plain(str(v)) for x in row]
        for row in frame.itertuples(index=False, name=None)
    ]
    table = Table(title=title or None, title_justify="left")
    for j, col in enumerate(frame.columns):
        numeric = frame[col].dtype.kind in "iuf"
        lines = [line for row in rows for line in row[j].splitlines()]
        widest = max([cell_len(str(col)), *(cell_len(x) for x in lines)])
        if numeric or widest <= _WHOLE:
            table.add_column(str(col), justify="right" if numeric else "left", no_wrap=True,
                             min_width=widest)  # fmt: skip
        else:
            table.add_column(str(col), overflow="fold" if fold else "ellipsis")
    for row in rows:
        table.add_row(*row)
    safe_console(file=sys.stdout, width=terminal_width()).print(table)


def emit_frame(
    frame: pd.DataFrame, fmt: str, *, title: str = "", meta: Mapping[str, Any] | None = None
) -> None:
    """``frame`` in ``fmt``: ``json`` (an object with ``meta`` and ``rows`` when ``meta`` is
    given, else a list of rows), ``jsonl`` (a row per line), ``records`` (a bare list of
    rows), ``csv``, or a human ``table``."""
    if emit_rows(frame, fmt):
        return
    if fmt == "json":
        rows = records(frame)
        emit_json({**meta, "rows": rows} if meta is not None else rows)
    elif fmt == "csv":
        emit_csv(frame)
    else:
        emit_table(frame, title)


# -- formats for scripts and sharing ------------------------------------------------------------

#: what every table-shaped command can write
FRAME_FORMATS: tuple[str, ...] = ("table", "csv", "json", "jsonl", "records")
#: the screen adds a workbook and a self-contained web page
SCREEN_FORMATS: tuple[str, ...] = (*FRAME_FORMATS, "xlsx", "html")


def jsonl_text(rows: list[dict[str, Any]]) -> str:
    """One JSON object per line (``pandas.read_json(..., lines=True)`` reads it)."""
    return "".join(
        json.dumps(jsonable(r), ensure_ascii=False, allow_nan=False) + "\n" for r in rows
    )


def emit_rows(frame: pd.DataFrame, fmt: str) -> bool:
    """Rows as ``jsonl`` or ``records`` (a bare JSON list); False for any other format."""
    if fmt == "jsonl":
        click.echo(jsonl_text(records(frame)), nl=False)
    elif fmt == "records":
        emit_json(records(frame))
    else:
        return False
    return True


def _cell(value: Any) -> Any:
    """A value as openpyxl writes it: NaN/NaT empty, numpy scalars plain, timestamps naive."""
    import numpy as np
    import pandas as pd

    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NaT or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().replace(tzinfo=None)
    if isinstance(value, list | tuple | set | dict | Path):
        return str(value)
    return value


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """A workbook with one sheet per frame (header row bold and frozen). Text is always
    written as text: a name or thesis starting with ``=`` never becomes a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, frame in sheets.items():
        sheet = book.create_sheet(title[:31])
        sheet.append([str(c) for c in frame.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for r, row in enumerate(frame.itertuples(index=False, name=None), start=2):
            for c, value in enumerate(row, start=1):
                cell = sheet.cell(row=r, column=c, value=_cell(value))
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                elif isinstance(cell.value, dt.datetime | dt.date):
                    cell.number_format = "yyyy-mm-dd"
        sheet.freeze_panes = "A2"
        for c, name in enumerate(frame.columns, start=1):
            sheet.column_dimensions[sheet.cell(row=1, column=c).column_letter].width = max(
                10, min(40, len(str(name)) + 2)
            )
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


_HTML_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;margin:1.5em;
color:#222}h1{font-size:1.1em}p.meta,ul.notes{color:#555;font-size:.85em}
table{border-collapse:collapse;font-size:.9em}th,td{padding:.25em .6em;border-bottom:1px solid #ddd}
th{background:#f3f3f3;cursor:pointer;user-select:none;position:sticky;top:0;text-align:left}
th.num,td.num{text-align:right;font-variant-numeric:tabular-nums}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
tr:hover td{background:#fafafa}
"""

#: click a header to sort by it (again to reverse); numbers by value, missing last
_HTML_SCRIPT = """
(function(){
  var table=document.getElementById('screen'), body=table.tBodies[0];
  var heads=table.tHead.rows[0].cells;
  function key(td, num){var v=td.getAttribute('data-v');
    if(num){return v===null||v===''?null:parseFloat(v);} return td.textContent;}
  function sortBy(i){
    var th=heads[i], num=th.classList.contains('num');
    var asc=th.getAttribute('aria-sort')!=='ascending';
    for(var j=0;j<heads.length;j++){heads[j].removeAttribute('aria-sort');}
    th.setAttribute('aria-sort', asc?'ascending':'descending');
    var rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(a,b){
      var x=key(a.cells[i],num), y=key(b.cells[i],num);
      if(x===null&&y===null){return 0;} if(x===null){return 1;} if(y===null){return -1;}
      var c=num?x-y:String(x).localeCompare(String(y));
      return asc?c:-c;});
    rows.forEach(function(r){body.appendChild(r);});
  }
  for(var i=0;i<heads.length;i++){(function(i){
    heads[i].addEventListener('click',function(){sortBy(i);});})(i);}
})();
"""


def html_page(
    title: str,
    headers: list[str],
    rows: list[list[tuple[str, Any]]],
    numeric: list[bool],
    *,
    meta: str = "",
    notes: Sequence[str] = (),
) -> str:
    """A self-contained sortable table: inline CSS and script, nothing fetched. ``rows`` hold
    (shown text, sort value) per cell; ``numeric`` columns sort by value, missing last."""
    from html import escape

    head = "".join(
        f'<th scope="col"{" class=num" if num else ""}>{escape(h)}</th>'
        for h, num in zip(headers, numeric, strict=True)
    )
    body = []
    for row in rows:
        cells = []
        for (text, value), num in zip(row, numeric, strict=True):
            sort = "" if value is None else (repr(float(value)) if num else str(value))
            cls = " class=num" if num else ""
            cells.append(f'<td{cls} data-v="{escape(sort)}">{escape(text)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    items = "".join(f"<li>{escape(n)}</li>" for n in notes)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width"><title>{escape(title)}</title>'
        f"<style>{_HTML_STYLE}</style></head><body><h1>{escape(title)}</h1>"
        f'<p class="meta">{escape(meta)}</p>'
        f'<table id="screen"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody>'
        f'</table><ul class="notes">{items}</ul><script>{_HTML_SCRIPT}</script></body></html>\n'
    )


def emit_file(data: bytes, target: Path | None, kind: str) -> None:
    """Binary or page output: to ``target`` (the path is printed on stderr), else stdout when
    it is redirected; a terminal gets a one-line refusal instead of bytes."""
    from ..errors import InputError
    from ..fsutil import write_atomic

    if target is not None:
        target = Path(target).expanduser()
        if target.is_dir():
            raise InputError(f"--output {target} is a folder; give a file name (.{kind})")
        write_atomic(target, data)
        click.echo(f"wrote {target}", err=True)
        return
    stream: Any = getattr(sys.stdout, "buffer", None) or sys.stdout
    if sys.stdout.isatty():
        raise InputError(f"--format {kind} writes a file: give --output FILE.{kind} or redirect "
                         f"(> screen.{kind})")  # fmt: skip
    sys.stdout.flush()
    stream.write(data)
    stream.flush()


@contextmanager
def to_file(target: Path):
    """Send what a command echoes to stdout into ``target`` instead (written atomically)."""
    from ..fsutil import write_atomic

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        yield
    write_atomic(Path(target).expanduser(), buf.getvalue().encode("utf-8"))
    click.echo(f"wrote {target}", err=True)


@contextmanager
def working(what: str):
    """A spinner with the elapsed time on stderr while something slow runs (a terminal only;
    nothing in pipes, cron or tests; nothing when ``what`` is empty)."""
    if not what or not sys.stderr.isatty():
        yield
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as progress:  # fmt: skip
        progress.add_task(what, total=None)
        yield
