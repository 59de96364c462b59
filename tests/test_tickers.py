"""The ticker master: canonical forms, kinds, vendor forms, the ambiguity rule, refusals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screener.errors import TickerError
from screener.tickers import (
    KNOWN_INDEXES,
    from_akshare,
    from_secid,
    from_yfinance,
    normalize_ticker,
    security,
    to_akshare,
    to_secid,
    to_yfinance,
)

# (exchange, prefix, kind) for every A-share code family the master accepts
_FAMILIES = [
    ("SH", "60", "stock"),
    ("SH", "68", "stock"),
    ("SH", "90", "stock"),
    ("SZ", "00", "stock"),
    ("SZ", "30", "stock"),
    ("SZ", "20", "stock"),
    ("BJ", "43", "stock"),
    ("BJ", "83", "stock"),
    ("BJ", "87", "stock"),
    ("BJ", "92", "stock"),
    ("SH", "51", "etf"),
    ("SH", "56", "etf"),
    ("SH", "58", "etf"),
    ("SZ", "15", "etf"),
    ("SZ", "16", "etf"),
    ("SZ", "14", "preferred"),
    ("SH", "36", "preferred"),
    ("SH", "00", "index"),
    ("SZ", "39", "index"),
    ("BJ", "89", "index"),
]

digits4 = st.text(alphabet="0123456789", min_size=4, max_size=4)


@st.composite
def cn_tickers(draw) -> tuple[str, str]:
    exchange, prefix, kind = draw(st.sampled_from(_FAMILIES))
    return f"{prefix}{draw(digits4)}.{exchange}", kind


us_stocks = st.from_regex(r"\A[A-Z]{1,5}(-[A-Z])?\Z")
us_indexes = st.from_regex(r"\A\^[A-Z]{2,6}\Z")
canonical = st.one_of(cn_tickers().map(lambda t: t[0]), us_stocks, us_indexes)


# --- the documented examples ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ("600519", "600519.SH"),
        ("300308", "300308.SZ"),
        ("688256", "688256.SH"),
        ("000063", "000063.SZ"),
        ("830799", "830799.BJ"),
        ("920001", "920001.BJ"),
        ("510300", "510300.SH"),
        ("159915", "159915.SZ"),
        ("399006", "399006.SZ"),
        ("899050", "899050.BJ"),
        ("600519.SS", "600519.SH"),
        ("600519.sh", "600519.SH"),
        (" 300308.SZ ", "300308.SZ"),
        ("nvda", "NVDA"),
        ("BRK.B", "BRK-B"),
        ("brk-b", "BRK-B"),
        ("^ndx", "^NDX"),
    ],
)
def test_normalize_examples(given_, expected):
    assert normalize_ticker(given_) == expected


# every form people type (issue 15): the table of the module docstring, row by row
TICKER_FORMS = [
    # exchange prefix, any case (akshare writes sh600519; sh000001 is the index)
    ("sh600519", "600519.SH", "stock"),
    ("SH600519", "600519.SH", "stock"),
    ("SZ300308", "300308.SZ", "stock"),
    ("sz300308", "300308.SZ", "stock"),
    ("bj430047", "430047.BJ", "stock"),
    ("Bj920001", "920001.BJ", "stock"),
    ("sh000001", "000001.SH", "index"),
    ("sz000001", "000001.SZ", "stock"),
    ("sz399006", "399006.SZ", "index"),
    ("sh510300", "510300.SH", "etf"),
    # baostock
    ("sz.300502", "300502.SZ", "stock"),
    ("sh.600519", "600519.SH", "stock"),
    ("SH.000300", "000300.SH", "index"),
    # EXCH:SYM (TradingView and terminals)
    ("SSE:600519", "600519.SH", "stock"),
    ("sse:600519", "600519.SH", "stock"),
    ("SSE:000001", "000001.SH", "index"),
    ("SZSE:300308", "300308.SZ", "stock"),
    ("SZSE:000001", "000001.SZ", "stock"),
    ("BSE:430047", "430047.BJ", "stock"),
    ("NASDAQ:NVDA", "NVDA", "stock"),
    ("nasdaq:nvda", "NVDA", "stock"),
    ("NYSE:BRK.B", "BRK-B", "stock"),
    ("NYSE:TSM", "TSM", "stock"),
    ("AMEX:SPY", "SPY", "stock"),
    ("NASDAQ:NDX", "^NDX", "index"),
    ("NASDAQ:SOX", "^SOX", "index"),
    # ISO 10383 MIC suffixes (JoinQuant, RiceQuant)
    ("600519.XSHG", "600519.SH", "stock"),
    ("300308.XSHE", "300308.SZ", "stock"),
    ("000300.xshg", "000300.SH", "index"),
    ("000001.XSHE", "000001.SZ", "stock"),
    # Reuters instrument codes: the exchange suffix goes, the symbol stays
    ("NVDA.O", "NVDA", "stock"),
    ("nvda.o", "NVDA", "stock"),
    ("NVDA.OQ", "NVDA", "stock"),
    ("AAPL.N", "AAPL", "stock"),
    ("BRKb.N", "BRK-B", "stock"),
    # share classes: a known one with a dot, any with a dash
    ("BRK.B", "BRK-B", "stock"),
    ("brk.a", "BRK-A", "stock"),
    ("BF.B", "BF-B", "stock"),
    ("BRK-B", "BRK-B", "stock"),
    ("XYZ-A", "XYZ-A", "stock"),
    # Shenzhen and Shanghai preference shares (优先股)
    ("140002", "140002.SZ", "preferred"),
    ("140001.SZ", "140001.SZ", "preferred"),
    ("sz140007", "140007.SZ", "preferred"),
    ("360001", "360001.SH", "preferred"),
    # the forms that were already accepted
    ("600519", "600519.SH", "stock"),
    ("600519.SS", "600519.SH", "stock"),
    ("^NDX", "^NDX", "index"),
]


@pytest.mark.parametrize(("given_", "expected", "kind"), TICKER_FORMS)
def test_every_common_ticker_form(given_, expected, kind):
    sec = security(given_)
    assert (sec.ticker, sec.kind) == (expected, kind)
    assert normalize_ticker(expected) == expected


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("AAPL.US", r"\.US after a US symbol is neither a Reuters exchange code"),
        ("NVDA.X", r"write NVDA for the common stock, or NVDA-X if it is share class X"),
        ("NVDA.A", r"nor a share class we know"),
        ("NVDA.K", r"nor a share class we know"),
        ("NYSE:600519", r"NYSE lists US symbols"),
        ("NASDAQ:NVDA.X", r"nor a share class we know"),
        ("SSE:NVDA", r"SSE lists six-digit A-share codes"),
        ("SSE:300308", r"trades on SZ, not SH"),
        ("LSE:VOD", r"unknown exchange 'LSE'"),
        ("sh300308", r"trades on SZ, not SH"),
        ("bj600519", r"trades on SH, not BJ"),
        ("600519.XSHE", r"trades on SH, not SZ"),
        ("140002.SH", r"trades on SZ, not SH"),
    ],
)
def test_other_forms_are_refused_with_the_reason(bad, reason):
    with pytest.raises(TickerError, match=reason) as info:
        security(bad)
    assert repr(bad) in str(info.value)


def test_ambiguity_hint_names_the_suffixes_not_python_arguments():
    with pytest.raises(TickerError) as info:
        normalize_ticker("000001")
    message = str(info.value)
    assert "write 000001.SZ for the stock or 000001.SH for the index" in message
    assert "kind=" not in message


def test_prefer_stock_resolves_only_the_stock_index_tie():
    assert normalize_ticker("000001", prefer="stock") == "000001.SZ"
    assert normalize_ticker("000300", prefer="stock") == "000300.SZ"
    assert normalize_ticker("510300", prefer="stock") == "510300.SH"  # an ETF stays an ETF
    assert normalize_ticker("399006", prefer="stock") == "399006.SZ"  # only an index reads
    assert security("399006", prefer="stock").kind == "index"
    assert normalize_ticker("000001", prefer="index") == "000001.SH"
    assert normalize_ticker("000001.SH", prefer="stock") == "000001.SH"  # a suffix decides


def test_preferred_shares_are_cny_on_the_shanghai_calendar_with_vendor_forms():
    sec = security("140002")
    assert (sec.market, sec.exchange, sec.currency, sec.calendar) == ("CN", "SZ", "CNY", "XSHG")
    assert (to_yfinance("140002.SZ"), to_akshare("140002.SZ")) == ("140002.SZ", "140002")
    assert to_secid("140002.SZ") == "0.140002" and from_secid("0.140002") == "140002.SZ"
    assert from_akshare("140002") == "140002.SZ"


def test_tick_is_the_quoting_increment():
    assert security("600519.SH").tick == 0.01 and security("NVDA").tick == 0.01
    assert security("510300.SH").tick == 0.001 and security("900901.SH").tick == 0.001
    assert security("200002.SZ").tick == 0.01


def test_design_contract_example():
    assert normalize_ticker("600519") == "600519.SH"


@pytest.mark.parametrize(
    ("ticker", "kind", "market", "exchange", "currency", "calendar"),
    [
        ("600519.SH", "stock", "CN", "SH", "CNY", "XSHG"),
        ("300308.SZ", "stock", "CN", "SZ", "CNY", "XSHG"),
        ("830799.BJ", "stock", "CN", "BJ", "CNY", "XSHG"),
        ("000001.SH", "index", "CN", "SH", "CNY", "XSHG"),
        ("000001.SZ", "stock", "CN", "SZ", "CNY", "XSHG"),
        ("510300.SH", "etf", "CN", "SH", "CNY", "XSHG"),
        ("900901.SH", "stock", "CN", "SH", "USD", "XSHG"),
        ("200002.SZ", "stock", "CN", "SZ", "HKD", "XSHG"),
        ("NVDA", "stock", "US", "US", "USD", "XNYS"),
        ("^SOX", "index", "US", "US", "USD", "XNYS"),
    ],
)
def test_security_attributes(ticker, kind, market, exchange, currency, calendar):
    sec = security(ticker)
    assert (sec.kind, sec.market, sec.exchange) == (kind, market, exchange)
    assert (sec.currency, sec.calendar) == (currency, calendar)


def test_code_is_bare():
    assert security("600519.SH").code == "600519"
    assert security("BRK-B").code == "BRK-B"


def test_us_etf_kind_is_taken_from_the_caller():
    assert security("SOXX", kind="etf").kind == "etf"
    assert security("SOXX").kind == "stock"


@pytest.mark.parametrize(
    ("ticker", "yf", "ak", "secid"),
    [
        ("600519.SH", "600519.SS", "600519", "1.600519"),
        ("300308.SZ", "300308.SZ", "300308", "0.300308"),
        ("830799.BJ", "830799.BJ", "830799", "0.830799"),
        ("000300.SH", "000300.SS", "sh000300", "1.000300"),
        ("399006.SZ", "399006.SZ", "sz399006", "0.399006"),
        ("000001.SZ", "000001.SZ", "000001", "0.000001"),
        ("000001.SH", "000001.SS", "sh000001", "1.000001"),
    ],
)
def test_vendor_forms(ticker, yf, ak, secid):
    assert to_yfinance(ticker) == yf
    assert to_akshare(ticker) == ak
    assert to_secid(ticker) == secid
    assert from_yfinance(yf) == ticker
    assert from_secid(secid) == ticker
    assert from_akshare(ak, kind=security(ticker).kind) == ticker


def test_us_vendor_forms():
    assert to_yfinance("BRK-B") == "BRK-B"
    assert to_yfinance("^GSPC") == "^GSPC"
    assert from_yfinance("^NDX") == "^NDX"
    assert from_yfinance("brk-b") == "BRK-B"
    with pytest.raises(TickerError, match=r"NVDA.*A-shares only"):
        to_akshare("NVDA")
    with pytest.raises(TickerError, match="A-shares only"):
        to_secid("^NDX")


# --- the ambiguity rule ---------------------------------------------------------------------


@pytest.mark.parametrize("code", ["000001", "000300", "000688", "000905"])
def test_bare_code_of_a_known_index_is_ambiguous(code):
    with pytest.raises(TickerError) as info:
        normalize_ticker(code)
    message = str(info.value)
    assert code in message and "ambiguous" in message
    assert f"{code}.SZ" in message and f"{code}.SH" in message


def test_ambiguity_is_resolved_by_kind_or_suffix():
    assert normalize_ticker("000001", kind="stock") == "000001.SZ"
    assert normalize_ticker("000001", kind="index") == "000001.SH"
    assert normalize_ticker("000001.SZ") == "000001.SZ"
    assert security("000001.SH").kind == "index"
    with pytest.raises(TickerError, match="ambiguous"):
        from_akshare("000001")
    assert from_akshare("000001", kind="stock") == "000001.SZ"
    assert from_akshare("sh000001") == "000001.SH"


@pytest.mark.parametrize(
    ("ticker", "kind", "reason"),
    [
        ("600519.SH", "index", "is a stock, not an index"),
        ("000001.SH", "stock", "is an index, not a stock"),
        ("600519", "index", "no index has code 600519"),
        ("399006", "stock", "no stock has code 399006"),
        ("^NDX", "stock", "is an index"),
        ("NVDA", "index", "start with \\^"),
        ("NVDA", "bond", "kind must be one of"),
    ],
)
def test_kind_contradictions_are_refused(ticker, kind, reason):
    with pytest.raises(TickerError, match=reason) as info:
        normalize_ticker(ticker, kind=kind)
    assert repr(ticker) in str(info.value)


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("60051", "six digits, not 5"),
        ("6005190", "six digits, not 7"),
        ("AAPL.SZ", "needs a six-digit A-share code"),
        ("600519.SZ", "trades on SH, not SZ"),
        ("300308.SH", "trades on SZ, not SH"),
        ("830799.SZ", "trades on BJ, not SZ"),
        ("399006.SH", "SZ index code"),
        ("110001", "no A-share code starts with 11"),
        ("12345.SH", "six digits and .SH"),
        ("", "empty ticker"),
        ("   ", "empty ticker"),
        ("..", "not an A-share code"),
        (".", "not an A-share code"),
        ("abc$", "not an A-share code"),
        ("sh60o519", "not an A-share code"),
        ("nvda inc", "not an A-share code"),
        ("TOOLONG", "not an A-share code"),
        ("６００５１９", "plain ASCII"),
        ("600519.ß", "plain ASCII"),
    ],
)
def test_malformed_tickers_are_refused_by_name(bad, reason):
    with pytest.raises(TickerError) as info:
        normalize_ticker(bad)
    message = str(info.value)
    assert repr(bad) in message
    if reason:
        assert reason in message


def test_non_text_is_refused():
    with pytest.raises(TickerError, match="expected text"):
        normalize_ticker(600519)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fn", "bad", "reason"),
    [
        (from_yfinance, "600519.SH", "Yahoo writes Shanghai as .SS"),
        (from_yfinance, "600519.SZ", "trades on SH"),
        (from_yfinance, "60051.SS", "not a Yahoo symbol"),
        (from_secid, "2.931151", "not an Eastmoney secid"),
        (from_secid, "0.600519", "trades on SH, not SZ"),
        (from_secid, "1.300308", "trades on SZ, not SH"),
        (from_secid, "1600519", "not an Eastmoney secid"),
        (from_akshare, "600519.SH", "not an akshare"),
        (from_akshare, "sz600519", "trades on SH"),
    ],
)
def test_malformed_vendor_forms_are_refused(fn, bad, reason):
    with pytest.raises(TickerError, match=reason) as info:
        fn(bad)
    assert repr(bad) in str(info.value)


# --- properties -----------------------------------------------------------------------------


@given(cn_tickers())
def test_cn_canonical_is_fixed_point_with_its_kind(pair):
    ticker, kind = pair
    sec = security(ticker)
    assert sec.ticker == ticker and sec.kind == kind
    assert normalize_ticker(ticker.lower()) == ticker


@given(canonical)
def test_round_trip_yfinance(ticker):
    assert from_yfinance(to_yfinance(ticker)) == ticker


@given(cn_tickers())
def test_round_trip_secid(pair):
    ticker, _ = pair
    assert from_secid(to_secid(ticker)) == ticker


@given(cn_tickers())
def test_round_trip_akshare_with_kind(pair):
    ticker, kind = pair
    assert from_akshare(to_akshare(ticker), kind=kind) == ticker


@given(cn_tickers())
def test_akshare_index_symbols_round_trip_without_kind(pair):
    ticker, kind = pair
    if kind == "index":
        assert from_akshare(to_akshare(ticker)) == ticker


@given(cn_tickers())
def test_bare_code_resolves_to_its_canonical_or_refuses_as_ambiguous(pair):
    ticker, kind = pair
    code = ticker[:6]
    assert normalize_ticker(code, kind=kind) == ticker
    try:
        resolved = normalize_ticker(code)
    except TickerError as exc:
        # only a stock-shaped code that is also a known index is refused
        assert "ambiguous" in str(exc)
        assert f"{code}.SH" in KNOWN_INDEXES
    else:
        stock_reading = kind != "index" or code[:2] in ("39", "89")
        assert resolved == ticker if stock_reading else resolved == f"{code}.SZ"


@given(st.text(max_size=12))
def test_normalize_is_idempotent_and_only_raises_ticker_error(text):
    try:
        once = normalize_ticker(text)
    except TickerError as exc:
        assert repr(text) in str(exc) or "empty ticker" in str(exc)
        return
    assert normalize_ticker(once) == once
    assert security(once).ticker == once


@given(st.text(alphabet="0123456789.ABHJSZXshz^-", max_size=12))
def test_vendor_parsers_only_raise_ticker_error(text):
    for parse in (normalize_ticker, from_yfinance, from_akshare, from_secid):
        try:
            out = parse(text)
        except TickerError:
            continue
        assert normalize_ticker(out) == out


@given(st.sampled_from(sorted(KNOWN_INDEXES)))
def test_known_indexes_are_indexes(ticker):
    assert security(ticker).kind == "index"
