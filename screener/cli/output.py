"""How every command writes its results: human tables, CSV and JSON, through one encoder.

Data goes to stdout alone; notes and progress go to stderr. JSON is strict (no NaN): missing
numbers are ``null``, dates ``YYYY-MM-DD``, numpy scalars plain numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: NaN and infinities ``null``, dates ISO text, numpy
    scalars Python numbers, paths text."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
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


def csv_text(frame: pd.DataFrame) -> str:
    """A frame as CSV text: missing values empty, dates ISO."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow(["" if (v := jsonable(x)) is None else v for x in row])
    return out.getvalue()


def emit_csv(frame: pd.DataFrame) -> None:
    click.echo(csv_text(frame), nl=False)


def emit_notes(notes: list[str]) -> None:
    for note in notes:
        click.echo(f"note: {note}", err=True)


def emit_table(frame: pd.DataFrame, title: str = "", *, fold: bool = False) -> None:
    """A frame as a rich table; numbers right-aligned, missing values blank."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title or None, title_justify="left")
    for col in frame.columns:
        numeric = frame[col].dtype.kind in "iuf"
        table.add_column(
            str(col),
            justify="right" if numeric else "left",
            overflow="fold" if fold else "ellipsis",
        )
    for row in frame.itertuples(index=False, name=None):
        table.add_row(*("" if (v := jsonable(x)) is None else str(v) for x in row))
    Console(file=sys.stdout, width=200 if not sys.stdout.isatty() else None).print(table)


def emit_frame(
    frame: pd.DataFrame, fmt: str, *, title: str = "", meta: Mapping[str, Any] | None = None
) -> None:
    """``frame`` in ``fmt``: ``json`` (an object with ``meta`` and ``rows`` when ``meta`` is
    given, else a list of rows), ``csv``, or a human ``table``."""
    if fmt == "json":
        rows = records(frame)
        emit_json({**meta, "rows": rows} if meta is not None else rows)
    elif fmt == "csv":
        emit_csv(frame)
    else:
        emit_table(frame, title)
