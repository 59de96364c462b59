"""Fuzzing the parsers a person's input meets first: tickers, watchlist files, imported CSVs,
model files and ``--segment`` specs.

Every input must give a valid result or the project's own error (a ``ScreenerError``
subclass), never another exception. Budgets are fixed and the runs derandomised, so ``make
test`` is repeatable and quick; inputs are drawn both from anything at all and from near-valid
material (the shipped files with bytes changed, CSVs assembled from real header names), which
reaches deeper than random bytes do.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from screener.config.loader import parse_bytes
from screener.config.model import load_model
from screener.data.cache import Cache
from screener.data.importer import CANDIDATES, import_bars
from screener.errors import ScreenerError
from screener.paths import shipped
from screener.tickers import (
    from_akshare,
    from_secid,
    from_yfinance,
    normalize_ticker,
    security,
    to_akshare,
    to_secid,
    to_yfinance,
)
from screener.watchlists import check_mix, load_watchlist_bytes, parse_segments

from .support import DATA, LEDGER

pytestmark = pytest.mark.slow  # long property runs: not in make test-fast

SEGMENTS = {"accelerators", "optical", "networking", "servers", "edge", "power", "applications"}


def fuzz(examples: int):
    """A fixed, derandomised budget (no example database written to the checkout)."""
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None)


def outcome(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args)``, or None when it refused with a ScreenerError; anything else escapes."""
    LEDGER["fuzzed inputs"] += 1
    try:
        result = fn(*args, **kwargs)
    except ScreenerError as exc:
        event(f"{fn.__name__}: refused ({type(exc).__name__})")
        return None
    event(f"{fn.__name__}: accepted")
    return result


# -- tickers ---------------------------------------------------------------------------------

_codes = st.text("0123456789", min_size=0, max_size=8)
_suffix = st.sampled_from(["", ".SH", ".SZ", ".BJ", ".SS", ".sz", ".", ".XX", " "])
_prefix = st.sampled_from(["", "sh", "SZ", "bj", "1.", "0.", "^", " ", "-"])
ticker_like = st.one_of(
    st.text(max_size=12),
    st.builds(lambda p, c, s: p + c + s, _prefix, _codes, _suffix),
    st.from_regex(r"[A-Za-z^.\-]{0,7}", fullmatch=True),
    st.sampled_from(
        ["60051", "AAPL.SZ", "000001", "000300", "399006", "BRK.B", "^NDX", "0.830799"]
    ),
)
kinds = st.sampled_from([None, "stock", "index", "etf"])


@fuzz(600)
@given(ticker_like, kinds)
def test_any_ticker_text_parses_or_is_refused_by_name(text, kind):
    sec = outcome(security, text, kind)
    if sec is None:
        return
    assert normalize_ticker(sec.ticker) == sec.ticker  # canonical is a fixed point
    if sec.market == "CN" or kind is None:  # a US symbol does not say whether it is an ETF
        assert security(sec.ticker).kind == sec.kind
    assert from_yfinance(to_yfinance(sec.ticker), sec.kind) == sec.ticker
    if sec.market == "CN":
        assert from_akshare(to_akshare(sec.ticker), sec.kind) == sec.ticker
        assert from_secid(to_secid(sec.ticker), sec.kind) == sec.ticker


@fuzz(300)
@given(ticker_like, kinds)
def test_vendor_symbols_parse_or_are_refused(text, kind):
    for parse in (from_akshare, from_yfinance, from_secid):
        outcome(parse, text, kind)


# -- watchlist files --------------------------------------------------------------------------

CORE = (DATA / "core.yaml").read_bytes()
YAML_BITS = [
    b":",
    b"- ",
    b"&a ",
    b"*a",
    b"<<: ",
    b"!!",
    b"[",
    b"]",
    b"{",
    b"}",
    b"'",
    b'"',
    b"\t",
    b"\n",
    b"#",
    b"? ",
    b"|",
    b">",
    b"---\n",
    b"...\n",
    b"%YAML 1.2\n",
    b"\xff",
    b"\x00",
    b"2023-02-30",
    b"1e999",
    b".nan",
    b"~",
    b"0o17",
]


@st.composite
def mutated(draw, original: bytes) -> bytes:
    """``original`` with a few cuts, insertions and replacements at drawn places."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "truncate"]))
        piece = draw(st.one_of(st.sampled_from(YAML_BITS), st.binary(max_size=4)))
        if action == "insert":
            data[at:at] = piece
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif action == "replace":
            data[at : at + len(piece)] = piece
        else:
            del data[at:]
    return bytes(data)


yaml_text = st.recursive(
    st.one_of(st.sampled_from([b"a", b"1", b"null", b"2024-01-02", b"&x a", b"*x"]), st.binary()),
    lambda inner: st.one_of(
        st.builds(lambda xs: b"[" + b", ".join(xs) + b"]", st.lists(inner, max_size=4)),
        st.builds(lambda k, v: b"{" + k + b": " + v + b"}", inner, inner),
        st.builds(lambda k, v: k + b":\n  " + v, inner, inner),
    ),
    max_leaves=12,
)


@fuzz(300)
@given(st.one_of(mutated(CORE), yaml_text, st.binary(max_size=200)))
@example(b"{{:[]}:[]}")  # a mapping key holding a list: ruamel raised a bare TypeError
def test_any_watchlist_bytes_load_or_are_refused_with_the_file(raw):
    path = Path("watchlists") / "core.yaml"
    wl = outcome(load_watchlist_bytes, path, raw, SEGMENTS)
    if wl is not None:
        assert wl.name == "core" and all(0 <= m.other_weight <= 1 for m in wl.members)
    outcome(parse_bytes, path, raw)


segment_spec = st.one_of(
    st.text(max_size=16),
    st.builds(
        lambda seg, sep, weight: f"{seg}{sep}{weight}",
        st.one_of(st.sampled_from(sorted(SEGMENTS)), st.text(max_size=6)),
        st.sampled_from(["=", "==", " = ", ""]),
        st.one_of(st.floats().map(str), st.sampled_from(["0.5", "1", "-0", "1e9", "", "x"])),
    ),
)


@fuzz(200)
@given(st.lists(segment_spec, max_size=4))
def test_any_segment_specs_parse_or_are_refused(specs):
    mix = outcome(parse_segments, specs)
    if mix is not None:
        outcome(check_mix, "NVDA", mix, SEGMENTS)


# -- model files ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="fuzz-model-") as tmp:
        folder = Path(tmp) / "model"
        shutil.copytree(shipped("model"), folder)
        yield folder


SCENARIOS = (shipped("model") / "scenarios.yaml").read_bytes()


@fuzz(40)
@given(mutated(SCENARIOS))
def test_any_model_file_loads_or_is_refused_with_file_and_line(model_dir, raw):
    (model_dir / "scenarios.yaml").write_bytes(raw)
    outcome(load_model, model_dir)


# -- imported CSVs ----------------------------------------------------------------------------

HEADERS = sorted({name for names in CANDIDATES.values() for name in names} | {"Adj Close"})
HEADERS += ["Date", "Close", "Open", "High", "Low", "Volume", "股票代码", "x", ""]
cell = st.one_of(
    st.sampled_from(["2024-01-02", "2024-01-03", "2024/01/04", "20240105", "2024-02-30"]),
    st.sampled_from(["1", "0", "-1", "1e400", "nan", "--", "1,000", "abc", "300308", ""]),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=6),
)


@st.composite
def csv_text(draw) -> str:
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=7))
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=len(header) + 1), max_size=6))
    quote = draw(st.sampled_from(["", '"']))
    lines = [",".join(header)] + [",".join(quote + c + quote for c in row) for row in rows]
    return draw(st.sampled_from(["\n", "\r\n"])).join(lines) + draw(st.sampled_from(["", "\n"]))


@pytest.fixture(scope="module")
def import_target() -> Iterator[tuple[Path, Cache]]:
    """One folder and one cache for every example: an import that succeeds stays, so later
    examples also meet the cached-bars checks (disagreeing closes, gaps)."""
    with (
        tempfile.TemporaryDirectory(prefix="fuzz-import-") as tmp,
        Cache(Path(tmp) / "cache.sqlite") as cache,
    ):
        yield Path(tmp), cache


@st.composite
def bars_csv(draw) -> str:
    """A plausible bar file (consecutive weekdays, positive prices), then a few cells spoiled:
    near enough to valid that many examples import and meet the cached-bars checks."""
    start = draw(st.dates(min_value=dt.date(2023, 1, 2), max_value=dt.date(2024, 12, 2)))
    days = [d for d in (start + dt.timedelta(days=i) for i in range(14)) if d.weekday() < 5]
    days = days[: draw(st.integers(1, len(days)))]
    price = st.floats(0.01, 1e5, allow_nan=False).map(lambda v: f"{v:.2f}")
    rows = [[f"{d}", *(draw(price) for _ in range(4)), str(draw(st.integers(0, 10**9)))]
            for d in days]  # fmt: skip
    for _ in range(draw(st.integers(0, 2))):
        row = draw(st.integers(0, len(rows) - 1))
        rows[row][draw(st.integers(0, 5))] = draw(cell)
    if draw(st.booleans()):
        rows.reverse()  # newest first is accepted too
    lines = ["Date,Open,High,Low,Close,Volume", *(",".join(r) for r in rows)]
    return "\n".join(lines) + "\n"


@fuzz(250)
@given(
    st.one_of(bars_csv(), csv_text(), st.text(max_size=300)),
    st.sampled_from(["NVDA", "NVDA", "300308", "600519.SH", "^NDX", "60051"]),
    st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "gbk", "utf-16"]),
    st.booleans(),
)
def test_any_csv_imports_or_is_refused_with_file_and_line(
    import_target, text, ticker, encoding, replace
):
    folder, cache = import_target
    path = folder / "bars.csv"
    try:
        path.write_bytes(text.encode(encoding))
    except UnicodeEncodeError:
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
    outcome(import_bars, cache, path, ticker, replace=replace)
    assert cache._query("PRAGMA integrity_check") == [("ok",)]
