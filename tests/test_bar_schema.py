"""A provider's bars on their way into the cache: ``conform_bars`` (the schema and the values the
cache's CHECKs demand), the fetcher's trim to the job (``_conform``) and the rows written
(``_bar_rows``). Each has a fast path for a vendor's usual answer (one ticker, in order, the
standard columns and dtypes); these tests hold it to the general path's results."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.data.cache import _bar_rows
from screener.data.fetch import _conform
from screener.data.plan import _Job
from screener.data.schema import BAR_COLUMNS, BAR_NUMERIC, conform_bars
from screener.errors import EmptyDataError, ProviderError

DAYS = pd.bdate_range("2026-10-01", periods=12)


def bars(tickers=("NVDA",), days=DAYS, **columns) -> pd.DataFrame:
    rows = [(t, d) for t in tickers for d in days]
    close = np.linspace(10.0, 20.0, len(rows))
    frame = pd.DataFrame(rows, columns=["ticker", "date"])
    values = dict(open=close, high=close * 1.01, low=close * 0.99, close=close)
    values |= dict(volume=np.full(len(rows), 1e6), amount=close * 1e6, adj_factor=1.0)
    for name, value in (values | columns).items():
        frame[name] = value
    return frame


def reference(frame: pd.DataFrame) -> pd.DataFrame:
    """What conform_bars returned before its fast paths: every column converted, then sorted."""
    out = frame.loc[:, list(BAR_COLUMNS)].copy()
    out["date"] = pd.to_datetime(out["date"]).dt.tz_localize(None).astype("datetime64[ns]")
    for col in BAR_NUMERIC:
        out[col] = pd.to_numeric(out[col], errors="raise").astype("float64")
    for col in ("open", "high", "low"):
        out.loc[out[col] == 0, col] = np.nan
    out["ticker"] = out["ticker"].astype("object")
    return out.sort_values(["ticker", "date"], kind="stable").reset_index(drop=True)


@settings(max_examples=60, deadline=None)
@given(
    tickers=st.lists(st.sampled_from(["NVDA", "MSFT", "300308.SZ"]), min_size=1, max_size=3),
    order=st.randoms(use_true_random=False),
    reorder_columns=st.booleans(),
    as_text=st.booleans(),
    zero_open=st.booleans(),
    integer_volume=st.booleans(),
)
def test_conform_equals_the_general_path(
    tickers, order, reorder_columns, as_text, zero_open, integer_volume
):
    frame = bars(tuple(dict.fromkeys(tickers)))
    if zero_open:
        frame.loc[::3, "open"] = 0.0
    if integer_volume:
        frame["volume"] = frame["volume"].astype("int64")
    if as_text:
        frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
        frame["close"] = frame["close"].map(repr)
    index = list(frame.index)
    order.shuffle(index)
    frame = frame.loc[index]  # in any order, its index shuffled too
    if reorder_columns:
        frame = frame[list(reversed(frame.columns))]
    got = conform_bars(frame, provider="fake")
    pd.testing.assert_frame_equal(got, reference(frame), check_exact=True)
    assert isinstance(got.index, pd.RangeIndex)


def test_a_time_zone_or_another_unit_becomes_the_day_without_one():
    frame = bars()
    frame["date"] = frame["date"].dt.tz_localize("Asia/Shanghai")
    got = conform_bars(frame, provider="fake")
    assert got["date"].dtype == "datetime64[ns]" and got["date"].tolist() == list(DAYS)
    frame["date"] = DAYS.astype("datetime64[s]")
    assert conform_bars(frame, provider="fake")["date"].tolist() == list(DAYS)


def test_the_provider_frame_is_not_changed():
    frame = bars()
    frame.loc[0, "open"] = 0.0
    before = frame.copy()
    conform_bars(frame, provider="fake")
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize(
    "column, value, words",
    [
        ("close", -1.0, "close -1.0 is not a price"),
        ("close", np.nan, "close nan is not a price"),
        ("adj_factor", 0.0, "adj_factor 0.0 is not a price"),
        ("high", np.inf, "high inf is not a price"),
        ("volume", -5.0, "volume -5.0 is not a price"),
        ("amount", -np.inf, "amount -inf is not a price"),
        ("date", pd.Timestamp("1989-12-29"), "on 1989-12-29: date 1989-12-29 is outside 1990"),
        ("date", pd.Timestamp("2101-01-03"), "date 2101-01-03 is outside"),
    ],
)
def test_a_value_the_cache_refuses_names_ticker_day_and_column(column, value, words):
    frame = bars(("MSFT",))
    frame[column] = frame[column].astype(object if column == "date" else "float64")
    frame.loc[4, column] = value
    with pytest.raises(ProviderError, match="fake: bars for MSFT on ") as err:
        conform_bars(frame, provider="fake")
    assert words in str(err.value) and err.value.ticker == "MSFT"
    day = value.date() if column == "date" else DAYS[4].date()
    assert f"on {day}:" in str(err.value)


def test_a_missing_price_is_allowed_where_the_schema_allows_it():
    frame = bars()
    frame.loc[2, ["open", "high", "low", "amount"]] = np.nan
    got = conform_bars(frame, provider="fake")
    assert got.loc[2, ["open", "high", "low", "amount"]].isna().all()


class _Vendor:
    name = "fake"

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame

    def daily_bars(self, ticker, start, end, **kwargs) -> pd.DataFrame:
        return self.frame


def job(start=DAYS[2], end=DAYS[8], ticker="NVDA") -> _Job:
    return _Job(ticker, "US", start.date(), end.date(), "new")


def test_the_fetch_keeps_the_jobs_ticker_and_days_numbered_from_zero():
    frame = bars(("MSFT", "NVDA"))
    got = _conform(_Vendor(frame), job())
    assert set(got["ticker"]) == {"NVDA"} and got["date"].tolist() == list(DAYS[2:9])
    assert list(got.index) == list(range(7))
    whole = _conform(_Vendor(bars()), job(DAYS[0], DAYS[-1]))
    assert len(whole) == len(DAYS) and list(whole.index) == list(range(len(DAYS)))


def test_the_fetch_refuses_two_bars_on_one_day_and_an_answer_with_none_in_range():
    frame = bars(days=[*DAYS[:5], DAYS[3], *DAYS[5:]])
    with pytest.raises(ProviderError, match=f"fake: two bars for NVDA on {DAYS[3].date()}$"):
        _conform(_Vendor(frame), job(DAYS[0], DAYS[-1]))
    # a repeat outside the job's days is trimmed away first, not refused
    assert len(_conform(_Vendor(frame), job(DAYS[5], DAYS[-1]))) == len(DAYS) - 5
    with pytest.raises(EmptyDataError, match=r"fake: no bars for NVDA in 2026-12-01\.\.2026-12-04"):
        _conform(_Vendor(bars()), job(pd.Timestamp("2026-12-01"), pd.Timestamp("2026-12-04")))


def test_rows_written_are_iso_days_and_none_for_missing():
    frame = conform_bars(bars(), provider="fake")
    frame.loc[1, "amount"] = np.nan
    frame.loc[3, "open"] = 0.0  # conform made vendor zeros NaN; a zero here stays a number
    rows = _bar_rows("NVDA", frame)
    assert rows[0][:2] == ("NVDA", "2026-10-01") and rows[-1][1] == DAYS[-1].date().isoformat()
    assert rows[1][BAR_COLUMNS.index("amount")] is None
    assert rows[3][BAR_COLUMNS.index("open")] == 0.0
    assert all(type(v) is float for v in rows[0][2:])
    expected = [
        (t, d.date().isoformat(), *(None if pd.isna(v) else float(v) for v in values))
        for t, d, *values in frame.itertuples(index=False)
    ]
    assert rows == expected


def test_rows_keep_the_vendors_day_when_the_dates_carry_a_time_zone():
    frame = bars(days=pd.date_range("2026-10-01 00:30", periods=3, freq="D", tz="Asia/Shanghai"))
    rows = _bar_rows("NVDA", frame)  # 00:30 in Shanghai is the day before in UTC
    assert [r[1] for r in rows] == ["2026-10-01", "2026-10-02", "2026-10-03"]
    with pytest.raises(ValueError, match="bars for NVDA hold other tickers"):
        _bar_rows("NVDA", bars(("NVDA", "MSFT")))


def test_one_day_is_one_row():
    frame = conform_bars(bars(days=[dt.date(2026, 10, 1)]), provider="fake")
    assert _bar_rows("NVDA", frame)[0][1] == "2026-10-01"
