"""Bounded imports (issue 18): ``data import`` reads at most ``import_max_bytes`` bytes and
``import_max_rows`` rows (model/providers.yaml) and at most 32 fields a row; anything larger is
refused in one line naming the file (and the line), before it is parsed whole, and the cache
is left as it was. Memory is measured here (a peak, not a time)."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.data.importer import MAX_BYTES, MAX_COLUMNS, MAX_ROWS, read_bars_csv
from screener.errors import InputError

from .support import LEDGER, changed_files, invoke, snapshot, traceback_in

PROVIDERS = "model/providers.yaml"


def _bars(rows: int, start: dt.date = dt.date(2020, 1, 1)) -> str:
    lines = ["date,open,high,low,close,volume"]
    for i in range(rows):
        day = start + dt.timedelta(days=i)
        lines.append(f"{day.isoformat()},10.0,11.0,9.5,10.{i % 90 + 10},{1000 + i}")
    return "\n".join(lines) + "\n"


def _limit(ws: Path, key: str, value: int) -> None:
    path = ws / PROVIDERS
    text = path.read_text("utf-8")
    default = {"import_max_bytes": MAX_BYTES, "import_max_rows": MAX_ROWS}[key]
    assert f"{key}: {default}\n" in text  # the shipped file states the code's default
    path.write_text(text.replace(f"{key}: {default}\n", f"{key}: {value}\n"), "utf-8")


#: case -> (limit to set or None, the file's text, what the one line says)
CASES = {
    "rows-over-the-cap": (("import_max_rows", 50), _bars(60), ("in.csv line 52", "more than 50")),
    "bytes-over-the-cap": (("import_max_bytes", 2048), _bars(80), ("in.csv", "2,048 bytes")),
    "too-many-fields": (
        None,
        _bars(3).replace("volume\n", "volume" + ",x" * MAX_COLUMNS + "\n", 1),
        ("in.csv line 1", f"at most {MAX_COLUMNS}"),
    ),
    "a-row-too-wide": (
        None,
        _bars(5).replace(",1002\n", ",1002" + ",7" * MAX_COLUMNS + "\n", 1),
        ("in.csv line 4", f"at most {MAX_COLUMNS}"),
    ),
}


def _import(ws):
    """``data import`` of the workspace's in.csv into NVDA, replacing what is cached."""
    args = ["--workspace", str(ws), "--as-of", "2026-11-20", "data", "import"]
    return invoke([*args, str(ws / "in.csv"), "--ticker", "NVDA", "--replace"])


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_an_import_over_a_limit_is_one_line_and_stores_nothing(ws, home, case):
    limit, text, fragments = CASES[case]
    if limit is not None:
        _limit(ws, *limit)
    (ws / "in.csv").write_text(text, "utf-8")
    before = snapshot(ws, home)
    result = _import(ws)
    LEDGER["bad inputs"] += 1
    assert traceback_in(result) is None
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert changed_files(before, snapshot(ws, home)) == []


def test_the_same_file_under_the_limits_imports(ws, home):
    (ws / "in.csv").write_text(_bars(60), "utf-8")
    result = _import(ws)
    assert result.exit_code == 0, result.output + result.stderr
    assert "imported 60 bars" in result.stdout


@pytest.mark.parametrize("value", ["0", "68719476736", "-1", "lots"])
def test_a_limit_out_of_its_range_is_refused_with_file_and_line(ws, home, value):
    path = ws / PROVIDERS
    text = path.read_text("utf-8")
    path.write_text(text.replace(f"import_max_bytes: {MAX_BYTES}", f"import_max_bytes: {value}"))
    line = next(
        i for i, s in enumerate(path.read_text().splitlines(), 1) if s.startswith("import_max_b")
    )
    (ws / "in.csv").write_text(_bars(5), "utf-8")
    before = snapshot(ws, home)
    result = invoke(
        [
            "--workspace",
            str(ws),
            "data",
            "import",
            str(ws / "in.csv"),
            "--ticker",
            "NVDA",
            "--replace",
        ]
    )
    LEDGER["bad inputs"] += 1
    assert traceback_in(result) is None
    assert result.exit_code != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and f"providers.yaml:{line}: import_max_bytes" in lines[0], lines
    assert changed_files(before, snapshot(ws, home)) == []


@pytest.mark.slow
@pytest.mark.parametrize("shape", ["long", "wide"])
def test_the_largest_files_the_limits_allow_stay_bounded_in_memory(tmp_path, shape):
    """Python's allocations while reading the worst files the defaults let in: ``long``, the
    byte cap of one-character rows (refused at the row cap), ``wide``, the row cap of rows with
    every field distinct (accepted). The process's own ~100 MB (pandas and the rest) comes on
    top; ``make bench`` does not measure this."""
    path = tmp_path / "in.csv"
    if shape == "long":
        path.write_bytes(b"date,close\n" + b"1\n" * ((MAX_BYTES - 11) // 2))
    else:
        head = ["date", "close", *(f"c{j}" for j in range(MAX_COLUMNS - 2))]
        day = dt.date(1990, 1, 1)
        with path.open("w") as fh:
            fh.write(",".join(head) + "\n")
            for i in range(MAX_ROWS):
                cells = [(day + dt.timedelta(days=i)).isoformat(), f"{10 + i % 7}.{i % 100:02d}"]
                cells += [f"{(i * j) % 997}.{j}" for j in range(MAX_COLUMNS - 2)]
                fh.write(",".join(cells) + "\n")
    assert path.stat().st_size <= MAX_BYTES
    tracemalloc.start()
    try:
        if shape == "long":
            with pytest.raises(InputError, match="more than 40,000 rows"):
                read_bars_csv(path, "NVDA")
        else:
            assert len(read_bars_csv(path, "NVDA").frame) == MAX_ROWS
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    LEDGER["bad inputs"] += 1
    assert peak < 128 * 2**20, f"{peak / 2**20:.0f} MB"


def _first_bad_byte(data: bytes, spans) -> int | None:
    for start, end in spans:
        try:
            data[start:end].decode("utf-8")
        except UnicodeDecodeError as exc:
            return start + exc.start
    return None


_PIECES = [b"a", b",", b"\n", b"\r", b"\r\n", "寒".encode(), "é".encode(), "😀".encode()]
_PIECES += [b"\xe6", b"\x97", b"\xff", b"\xe6\x97", b"\xf0\x9f"]  # cut or invalid sequences


@settings(max_examples=300)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map(b"".join), st.integers(1, 9))
def test_the_utf8_check_finds_the_first_bad_byte_a_line_check_finds(data: bytes, size: int):
    """The import's UTF-8 check decodes runs of whole lines (``_line_blocks``), not one line at
    a time (two million one-byte lines took 7 s, 86 s under tracemalloc): the first bad byte,
    which the error names by line and column, is the one a line-by-line check finds."""
    from screener.data.csv_rows import _line_blocks, _spans

    blocks = _first_bad_byte(data, _line_blocks(data, 0, size))
    assert blocks == _first_bad_byte(data, _spans(data))
