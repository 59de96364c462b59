"""Reading a bar CSV's rows within bounded memory (the first job of ``data import``).

The file's bytes are read once, up to the byte cap, and kept; they are never decoded whole (a
decoded ``str`` takes one, two or four bytes per character, so 16 MiB with one emoji in it
would be 64 MiB). Lines are decoded one at a time, after a first pass that checks every line
is UTF-8 (so a bad byte anywhere is reported before anything else, with its line and byte
column, as when the whole file was decoded at once).

A row keeps only the cells the import reads (the columns a field maps to, a code column, a
baostock ``adjustflag``); the others become the empty string, one shared object. A row that
does not have the header's width is kept whole, so its check reports it exactly as before. Each
row also carries a 16-byte fingerprint of all its cells: two rows of one date are an "exact
duplicate" only when every cell agrees, which the fingerprints tell without holding the cells.

40,000 rows of 32 distinct cells held whole took ~85 MB of Python objects; kept this way about a
third of that, and with the text no longer decoded whole, the widest file the limits accept
peaks well under issue 18's 200 MB for the whole process.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import InputError
from ..fsutil import open_regular

#: the most fields a row may have (the widest known export, baostock's, has 14)
MAX_COLUMNS = 32
#: the largest file read, in bytes (import_max_bytes in model/providers.yaml; 110 years of
#: sessions in the widest known layout take about 6 MB)
MAX_BYTES = 16 * 2**20
#: the most rows read (import_max_rows; 1990-2100 holds about 28,700 sessions)
MAX_ROWS = 40_000
#: what the limits are called where a person sets them
LIMITS = "model/providers.yaml"
_BOM = b"\xef\xbb\xbf"
_EMPTY = ""

#: a body row: its line, its cells (only the kept ones filled in) and its fingerprint
Row = tuple[int, list[str], bytes]


def read_file(path: Path, max_bytes: int) -> tuple[bytes, str]:
    """The file's bytes (a BOM dropped) and the SHA-256 of them as read; at most ``max_bytes``
    are ever read, and text that is not UTF-8 is refused naming its line and byte column."""
    hint = "export the bars to a CSV file and import that"
    with open_regular(path, InputError, "", hint) as fh:
        try:
            data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise InputError(f"{path}: cannot read the file ({exc.strerror})") from exc
    if len(data) > max_bytes:
        raise InputError(
            f"{path}: larger than {max_bytes:,} bytes (import_max_bytes in {LIMITS}); "
            "import a shorter range, or raise the limit in your workspace's copy"
        )
    digest = hashlib.sha256(data).hexdigest()
    skip = len(_BOM) if data.startswith(_BOM) else 0
    for start, end in _line_blocks(data, skip):
        try:
            data[start:end].decode("utf-8")
        except UnicodeDecodeError as exc:
            at = start + exc.start
            line = data.count(b"\n", 0, at) + 1
            column = at - (data.rfind(b"\n", 0, at) + 1) + 1
            raise InputError(
                f"{path} line {line}: not UTF-8 text (byte 0x{data[at]:02x} at column "
                f"{column}); save the file as UTF-8 (Excel and Chinese terminals often write GBK)"
            ) from None
    return (data[skip:] if skip else data), digest


def _spans(data: bytes, start: int = 0) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each line of ``data``, its end included (a classic-Mac file ends
    its lines with CR alone)."""
    end_byte = b"\n" if b"\n" in data else b"\r"
    size = len(data)
    while start < size:
        end = data.find(end_byte, start)
        if end < 0:
            yield start, size
            return
        yield start, end + 1
        start = end + 1


def _line_blocks(data: bytes, start: int = 0, size: int = 2**20) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of runs of whole lines of about ``size`` bytes (a line longer than that
    is a run of its own): decoding run by run finds the same first bad byte as line by line
    (a line break is never inside a character) without decoding the file whole, and without
    a Python step per line (two million one-character lines took 7 s)."""
    end_byte = b"\n" if b"\n" in data else b"\r"
    total = len(data)
    while start < total:
        end = data.find(end_byte, min(start + size, total) - 1)
        end = total if end < 0 else end + 1
        yield start, end
        start = end


def _lines(data: bytes) -> Iterator[str]:
    for start, end in _spans(data):
        yield data[start:end].decode("utf-8")


def fingerprint(cells: list[str]) -> bytes:
    """16 bytes that differ whenever the (stripped) cells do."""
    return hashlib.blake2b("\x1f".join(cells).encode(), digest_size=16).digest()


def read_rows(
    path: Path, data: bytes, max_rows: int, keep: Callable[[list[str]], set[int]]
) -> tuple[list[str], list[Row]]:
    """The header and the data rows (blank rows skipped), each row holding only the cells at
    the indexes ``keep(header)`` names; more than ``max_rows`` rows or :data:`MAX_COLUMNS`
    fields in a row are refused as they are met."""
    reader = csv.reader(_lines(data))
    head: list[tuple[int, list[str]]] = []  # the first rows, until the header is settled
    body: list[Row] = []
    header: list[str] | None = None
    kept: list[int] = []
    width = 0
    try:
        for raw in reader:
            if len(raw) > MAX_COLUMNS:
                raise InputError(
                    f"{path} line {reader.line_num}: {len(raw)} fields; a bar file has at "
                    f"most {MAX_COLUMNS}"
                )
            if not any(cell.strip() for cell in raw):
                continue
            cells = [cell.strip() for cell in raw]
            if header is None:
                head.append((reader.line_num, cells))
                settled = _header(head)
                if settled is None:
                    continue
                header, rows = settled
                kept, width = sorted(i for i in keep(header) if i < len(header)), len(header)
                for line, row in rows:
                    body.append(_compact(line, row, kept, width))
                _cap(path, body, max_rows)
                continue
            body.append(_compact(reader.line_num, cells, kept, width))
            _cap(path, body, max_rows)
    except csv.Error as exc:
        raise InputError(f"{path} line {reader.line_num}: {exc}") from None
    if header is None:
        if not head:
            raise InputError(f"{path}: the file is empty")
        header, rows = _header(head, final=True) or (head[0][1], head[1:])
        kept, width = sorted(i for i in keep(header) if i < len(header)), len(header)
        body = [_compact(line, row, kept, width) for line, row in rows]
        _cap(path, body, max_rows)
    return header, body


def _header(
    head: list[tuple[int, list[str]]], final: bool = False
) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    """The header and the rows after it, once the first rows settle it (None: read another
    row first). One header row, or yfinance download()'s three (Price/Ticker/Date), folded
    into one: ``Date`` and the price row's names."""
    first = head[0][1]
    if not (first and first[0].lower() == "price"):
        return first, head[1:]
    if len(head) < 2:
        return None if not final else (first, [])
    if head[1][1][0].lower() != "ticker":
        return first, head[1:]
    if len(head) < 3:
        return None if not final else (["Date", *first[1:]], [])
    rest = head[2:]
    if rest[0][1][0].lower() == "date" and not any(rest[0][1][1:]):
        rest = rest[1:]
    return ["Date", *first[1:]], rest


def _compact(line: int, cells: list[str], kept: list[int], width: int) -> Row:
    """A row holding only the kept cells (one shared empty string for the others); a row of
    the wrong width stays whole, for its check to report."""
    print_ = fingerprint(cells)
    if len(cells) < width or any(cells[width:]):
        return line, cells, print_
    out = [_EMPTY] * width
    for i in kept:
        out[i] = cells[i]
    return line, out, print_


def _cap(path: Path, body: list[Row], max_rows: int) -> None:
    if len(body) > max_rows:
        raise InputError(
            f"{path} line {body[max_rows][0]}: more than {max_rows:,} rows "
            f"(import_max_rows in {LIMITS}); import a shorter range"
        )


def full_row(data: bytes, line: int) -> list[str]:
    """The whole (stripped) cells of the row ending on ``line``, read again from the bytes
    (for a message quoting a row whose other cells were not kept)."""
    reader = csv.reader(_lines(data))
    for raw in reader:
        if reader.line_num == line:
            return [cell.strip() for cell in raw]
    return []
