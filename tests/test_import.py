"""CSV import: each vendor's layout, one-line errors naming file and line, all or nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.data.cache import Cache
from screener.data.importer import import_bars, read_bars_csv
from screener.errors import InputError

CSV = Path(__file__).parent / "fixtures" / "csv"
DAYS = pd.to_datetime(
    [
        "2024-01-02",
        "2024-01-03",
        "2024-01-04",
        "2024-01-05",
        "2024-01-08",
        "2024-01-09",
        "2024-01-10",
    ]
)
TERMINAL_COLUMNS = {
    "date": "交易日期",
    "open": "开盘价(元)",
    "high": "最高价(元)",
    "low": "最低价(元)",
    "close": "收盘价(元)",
    "volume": "成交量(股)",
    "amount": "成交金额(元)",
}


@pytest.fixture
def cache(tmp_path):
    with Cache(tmp_path / "cache.sqlite") as opened:
        yield opened


def snapshot(cache: Cache) -> tuple:
    """Everything stored, to prove a failed import changed nothing."""
    return tuple(
        cache._query(f"SELECT * FROM {t}") for t in ("daily_bars", "fetch_log", "coverage")
    )


# -- each flavour -----------------------------------------------------------------------------


def test_yfinance_with_adj_close_keeps_raw_prices_and_rebases_the_factor():
    parsed = read_bars_csv(CSV / "yfinance_adj_close.csv", "nvda")
    frame = parsed.frame
    assert parsed.flavour == "yfinance" and parsed.notes == []
    assert list(frame["date"]) == list(DAYS) and set(frame["ticker"]) == {"NVDA"}
    assert frame["close"].iloc[0] == 481.68 and frame["volume"].iloc[0] == 41125400
    assert frame["adj_factor"].iloc[0] == 1.0
    # the dividend between the last two days shows as a factor step of 1 / 0.99894
    assert frame["adj_factor"].iloc[-1] == pytest.approx(1 / 0.99894, rel=1e-5)
    assert frame["amount"].isna().all()


def test_yfinance_download_with_three_header_rows():
    flat = read_bars_csv(CSV / "yfinance_adj_close.csv", "NVDA").frame
    parsed = read_bars_csv(CSV / "yfinance_download.csv", "NVDA")
    assert parsed.flavour == "yfinance"
    pd.testing.assert_frame_equal(parsed.frame, flat)
    assert parsed.lines[0] == 4  # line numbers still count the three header rows


@pytest.mark.parametrize("name", ["yfinance_auto_adjust.csv", "yfinance_history_tz.csv"])
def test_yfinance_adjusted_layouts_are_stored_with_factor_one_and_say_so(name):
    parsed = read_bars_csv(CSV / name, "NVDA")
    assert parsed.flavour == "yfinance-adjusted"
    assert (parsed.frame["adj_factor"] == 1.0).all()
    assert list(parsed.frame["date"]) == list(DAYS)  # "2024-01-02 00:00:00-05:00" is that day
    assert "already adjusted" in " ".join(parsed.notes) or "adjusted prices" in parsed.notes[0]


def test_akshare_chinese_headers_and_lots_to_shares():
    parsed = read_bars_csv(CSV / "akshare_hist.csv", "300308")
    frame = parsed.frame
    assert parsed.flavour == "akshare"
    assert set(frame["ticker"]) == {"300308.SZ"}
    row = frame.iloc[0]
    assert (row["open"], row["close"], row["high"], row["low"]) == (110.5, 106.2, 111.0, 105.8)
    assert row["volume"] == 253412 * 100  # 成交量 is in lots of 100 shares
    assert row["amount"] == 2712345678.0
    assert (frame["adj_factor"] == 1.0).all()


def test_a_volume_unit_the_amounts_contradict_is_refused_with_the_ratio():
    path = CSV / "akshare_hist.csv"
    with pytest.raises(InputError) as err:
        read_bars_csv(path, "300308", volume_unit="shares")
    assert str(err.value) == (
        f"{path}: --volume-unit shares contradicts the file: 成交额 / (成交量 × price) is 99.7 "
        "(median of 7 rows; shares give about 1, lots of 100 about 100)"
    )
    assert read_bars_csv(path, "300308", volume_unit="lots").frame["volume"].iloc[0] == 25341200


def test_without_an_amount_column_the_given_volume_unit_is_taken(tmp_path):
    path = tmp_path / "lots.csv"
    path.write_text("date,close,volume\n2024-01-02,10,5\n2024-01-03,11,7\n", encoding="utf-8")
    assert read_bars_csv(path, "300308").frame["volume"].tolist() == [5, 7]
    frame = read_bars_csv(path, "300308", volume_unit="lots").frame
    assert frame["volume"].tolist() == [500, 700]


def test_terminal_export_mapped_by_flags_newest_first_with_thousands_separators():
    parsed = read_bars_csv(CSV / "terminal_export.csv", "300308.SZ", columns=TERMINAL_COLUMNS)
    akshare = read_bars_csv(CSV / "akshare_hist.csv", "300308").frame
    assert parsed.flavour == "generic"
    assert list(parsed.frame["date"]) == list(DAYS)  # reversed into order
    pd.testing.assert_frame_equal(parsed.frame, akshare)
    assert parsed.lines[0] == 8  # the oldest row is the file's last line


def test_headers_with_a_unit_are_recognised_and_the_unit_checked():
    """收盘价(元), 成交量(股), 成交金额(元): read without flags; (股) agrees with the amounts."""
    mapped = read_bars_csv(CSV / "terminal_export.csv", "300308.SZ", columns=TERMINAL_COLUMNS)
    parsed = read_bars_csv(CSV / "terminal_export.csv", "300308.SZ")
    pd.testing.assert_frame_equal(parsed.frame, mapped.frame)


def test_unmapped_terminal_export_names_the_missing_column(tmp_path):
    path = tmp_path / "export.csv"
    text = (CSV / "terminal_export.csv").read_text(encoding="utf-8")
    path.write_text(text.replace("收盘价(元)", "收市价(元)"), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_bars_csv(path, "300308.SZ")
    assert str(err.value).startswith(f"{path} line 1: no close column")
    assert "--close-col" in str(err.value) and "收市价(元)" in str(err.value)


def test_date_format_flag(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("date,close\n05/01/2024,10\n08/01/2024,11\n", encoding="utf-8")
    frame = read_bars_csv(path, "NVDA", date_format="%d/%m/%Y").frame
    assert list(frame["date"]) == list(pd.to_datetime(["2024-01-05", "2024-01-08"]))


# -- errors name the file and the line --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bad_missing_close.csv", "line 1: no close column (looked for close, 收盘, 收盘价)"),
        ("bad_date.csv", "line 4: '2024-01-4x' is not a date"),
        ("bad_number.csv", "line 3, column 'Close': '475.69O' is not a number"),
        ("bad_duplicate.csv", "line 6: date 2024-01-04 repeats line 4"),
        ("bad_order.csv", "line 7: date 2024-01-08 is out of order after 2024-01-09 (line 6)"),
        ("bad_fields.csv", "line 5: 8 fields, the header has 7"),
        ("akshare_gbk.csv", "line 1: not UTF-8 text (byte 0xc8 at column 1)"),
    ],
)
def test_bad_files_are_one_line_errors_naming_file_and_line(name, expected, cache):
    path = CSV / name
    before = snapshot(cache)
    with pytest.raises(InputError) as err:
        import_bars(cache, path, "NVDA")
    message = str(err.value)
    assert message.startswith(f"{path} {expected}"), message
    assert "\n" not in message
    assert snapshot(cache) == before


def test_wrong_ticker_in_an_akshare_file_is_refused(cache):
    with pytest.raises(InputError, match=r"line 2: 股票代码 300308 is not 600519\.SH"):
        import_bars(cache, CSV / "akshare_hist.csv", "600519")


def test_a_blank_close_is_refused(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("date,close\n2024-01-02,10\n2024-01-03,\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 3, column 'close': close must be a positive"):
        read_bars_csv(path, "NVDA")


def test_missing_file_and_unknown_mapped_column(tmp_path):
    with pytest.raises(InputError, match="cannot read the file"):
        read_bars_csv(tmp_path / "nope.csv", "NVDA")
    with pytest.raises(InputError, match=r"no column 'Px' \(asked for by --close-col\)"):
        read_bars_csv(CSV / "akshare_hist.csv", "300308", columns={"close": "Px"})


# -- into the cache ---------------------------------------------------------------------------


def test_import_stores_rows_with_their_source(cache):
    result = import_bars(cache, CSV / "akshare_hist.csv", "300308")
    assert (result.rows, result.first, result.last) == (7, DAYS[0].date(), DAYS[-1].date())
    source = cache.provenance("300308.SZ", dt.date(2024, 1, 5))
    assert source["provider"] == "import"
    assert str(CSV / "akshare_hist.csv") in source["detail"] and "sha256:" in source["detail"]
    cov = cache.coverage(["300308.SZ"])["300308.SZ"]
    assert (cov.start, cov.end) == (DAYS[0].date(), DAYS[-1].date())
    assert cache.status()["provider"].tolist() == ["import"]


def test_a_failure_inside_the_transaction_stores_nothing(cache, monkeypatch):
    import_bars(cache, CSV / "yfinance_adj_close.csv", "NVDA")
    before = snapshot(cache)

    def boom(self, conn, ticker, name):
        raise OSError("disk full")

    monkeypatch.setattr(Cache, "_upsert_security", boom)
    with pytest.raises(OSError, match="disk full"):
        import_bars(cache, CSV / "yfinance_auto_adjust.csv", "NVDA", replace=True)
    assert snapshot(cache) == before


def test_overlapping_import_chains_factors_onto_cached_bars(cache, tmp_path):
    path = CSV / "yfinance_adj_close.csv"
    lines = path.read_text().splitlines()
    last_day = tmp_path / "last.csv"
    last_day.write_text(f"{lines[0]}\n{lines[-1]}\n")  # 2024-01-10 alone: its factor is 1
    import_bars(cache, last_day, "NVDA")
    result = import_bars(cache, path, "NVDA")  # rebased on 01-02: its 01-10 factor is 1.00106
    assert result.notes == ["factors rescaled by 0.99894 to chain onto the cached bars"]
    whole = cache.bars(["NVDA"], DAYS[0].date(), DAYS[-1].date())
    direct = read_bars_csv(path, "NVDA").frame
    assert whole["adj_factor"].iloc[-1] == pytest.approx(1.0)
    ratio = whole["adj_factor"] / direct["adj_factor"]
    assert np.allclose(ratio, ratio.iloc[0], rtol=1e-9)  # the same returns
    cov = cache.coverage(["NVDA"])["NVDA"]
    assert (cov.start, cov.end) == (DAYS[0].date(), DAYS[-1].date())


def test_a_disjoint_import_is_refused(cache, tmp_path):
    path = CSV / "yfinance_adj_close.csv"
    lines = path.read_text().splitlines()
    early, late = tmp_path / "early.csv", tmp_path / "late.csv"
    early.write_text("\n".join(lines[:3]) + "\n")  # 01-02, 01-03
    late.write_text("\n".join([lines[0], *lines[-2:]]) + "\n")  # 01-09, 01-10
    import_bars(cache, late, "NVDA")
    before = snapshot(cache)
    with pytest.raises(InputError) as err:
        import_bars(cache, early, "NVDA")
    assert str(err.value).startswith(f"{early}: its bars (2024-01-02..2024-01-03) leave 3 ")
    assert "--since 2024-01-02" in str(err.value)
    assert snapshot(cache) == before


def test_conflicting_prices_are_refused_unless_replacing(cache):
    import_bars(cache, CSV / "yfinance_adj_close.csv", "NVDA")
    before = snapshot(cache)
    path = CSV / "yfinance_auto_adjust.csv"
    with pytest.raises(InputError) as err:
        import_bars(cache, path, "NVDA")
    assert str(err.value).startswith(f"{path} line 2: close 481.169 on 2024-01-02 differs")
    assert "--replace" in str(err.value)
    assert snapshot(cache) == before
    import_bars(cache, path, "NVDA", replace=True)
    assert (cache.bars(["NVDA"], DAYS[0].date(), DAYS[-1].date())["adj_factor"] == 1.0).all()


# -- property: whatever we write, we read back ------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 5),
            st.floats(0.01, 1e6, allow_nan=False),
            st.integers(0, 10**12),
        ),
        min_size=1,
        max_size=30,
    ),
    st.booleans(),
)
def test_generic_csv_round_trip(tmp_path_factory, rows, newest_first):
    day, records = dt.date(2020, 1, 1), []
    for step, close, volume in rows:
        day += dt.timedelta(days=step)
        records.append((day, close, volume))
    text = ["date,close,volume"]
    ordered = records[::-1] if newest_first else records
    text += [f"{d.isoformat()},{c!r},{v}" for d, c, v in ordered]
    path = tmp_path_factory.mktemp("csv") / "bars.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    frame = read_bars_csv(path, "NVDA").frame
    assert [d.date() for d in frame["date"]] == [r[0] for r in records]
    assert frame["close"].tolist() == [r[1] for r in records]
    assert frame["volume"].tolist() == [float(r[2]) for r in records]


# -- real vendor shapes (synthetic numbers: tests/fixtures/csv/build_vendor_shapes.py) ---------


def test_suiwenfeng_shape_volume_in_shares_is_read_off_the_amounts():
    """日期,开盘价,...,成交量,成交额 with YYYYMMDD dates: 成交量 is shares, not akshare's lots."""
    parsed = read_bars_csv(CSV / "suiwenfeng_300308.csv", "300308")
    frame = parsed.frame
    assert parsed.flavour == "generic" and parsed.duplicates == 0
    assert frame["date"].iloc[0] == pd.Timestamp("2025-05-14") and len(frame) == 8
    row = frame.iloc[-1]
    assert (row["open"], row["high"], row["low"], row["close"]) == (94.41, 95.36, 91.70, 91.87)
    assert row["volume"] == 27311200 and row["amount"] == 2535753883
    assert (frame["adj_factor"] == 1.0).all()
    vwap = frame["amount"] / frame["volume"]
    assert ((frame["low"] <= vwap) & (vwap <= frame["high"])).all()  # units agree
    assert parsed.notes == ["成交量 read as shares: 成交额 / (成交量 × price) is 0.9995"]


def test_samleon_shape_volume_holding_money_is_refused_with_the_evidence():
    """date,volume,low,close,open,high: the "volume" is traded value with fen."""
    path = CSV / "samleon_300308.csv"
    with pytest.raises(InputError) as err:
        read_bars_csv(path, "300308")
    message = str(err.value)
    assert message.startswith(
        f"{path} line 2, column 'volume': 195050074.17 has a fraction, which no share count has"
    )
    assert "--amount-col 'volume'" in message and "\n" not in message


def test_samleon_shape_money_written_with_two_decimals_is_refused():
    path = CSV / "samleon_688256.csv"
    with pytest.raises(InputError) as err:
        read_bars_csv(path, "688256")
    assert str(err.value).startswith(
        f"{path} line 2, column 'volume': 99822128.00 is written with two decimals like money, "
        "as are 5 of 6 rows"
    )


def test_samleon_shape_imports_as_traded_value_when_mapped_duplicates_dropped(cache):
    path = CSV / "samleon_300308.csv"
    result = import_bars(cache, path, "300308", columns={"amount": "volume"})
    assert (result.rows, result.duplicates) == (8, 1)
    assert result.notes[0] == "dropped 1 exact duplicate row(s) (line 6 repeats line 5)"
    bars = cache.bars(["300308.SZ"], result.first, result.last)
    assert bars["date"].is_monotonic_increasing  # the file runs newest first
    assert bars["volume"].isna().all()
    assert bars["amount"].iloc[0] == 110471131.84 and bars["close"].iloc[0] == 26.68
    assert (bars["adj_factor"] == 1.0).all()


def test_conflicting_duplicates_are_refused_quoting_both_lines(tmp_path):
    lines = (CSV / "samleon_300308.csv").read_text().splitlines()
    lines[5] = lines[5].replace("28.68,28.21", "28.69,28.21")
    path = tmp_path / "conflict.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as err:
        read_bars_csv(path, "300308", columns={"amount": "volume"})
    assert str(err.value) == (
        f"{path} line 6: date 2023-01-04 repeats line 5 with different values "
        "(line 5: 2023-01-04,212973185.62,28.10,28.68,28.21,28.86 / "
        "line 6: 2023-01-04,212973185.62,28.10,28.69,28.21,28.86); "
        "keep the right one and import again"
    )


BAOSTOCK = CSV / "baostock_sz.300502.csv"
#: the traded closes build_vendor_shapes.py adjusted (ex-date 2025-05-28: 4 bonus + 0.45 cash)
BAOSTOCK_CLOSES = [109.95, 112.37, 110.66, 108.02, 109.11, 112.80, 112.13, 84.62, 85.71, 87.95,
                   86.93, 85.08]  # fmt: skip


def test_baostock_forward_adjusted_prices_are_stored_as_traded_prices_with_the_factor():
    parsed = read_bars_csv(BAOSTOCK, "300502")
    frame = parsed.frame
    assert parsed.flavour == "baostock"
    assert frame["close"].round(2).tolist() == BAOSTOCK_CLOSES
    assert frame["open"].iloc[7] == pytest.approx(80.10) and frame["low"].iloc[7] == 79.77
    # the factor steps once, on the ex-date, by the exchange's total return close / reference
    factor = frame["adj_factor"].to_numpy()
    assert factor[:7] == pytest.approx([1.0] * 7)
    assert factor[7:] == pytest.approx([112.13 / 79.77] * 5)
    # total-return prices move exactly as baostock's adjusted closes do
    text = pd.read_csv(BAOSTOCK, encoding="utf-8-sig")
    tr = frame["close"] * frame["adj_factor"]
    assert np.allclose(tr / tr.iloc[0], text["close"] / text["close"].iloc[0], rtol=1e-9)
    assert frame["volume"].iloc[0] == 18876543  # shares, unadjusted
    assert parsed.notes[0] == (
        "forward-adjusted prices (adjustflag 2): traded prices recovered on the 0.01 tick; "
        "corporate actions on 2025-05-28 (× 1.40567)"
    )
    assert parsed.notes[1].startswith("volume read as shares")


def test_baostock_rounded_adjusted_prices_are_refused_not_stored_as_traded(tmp_path, cache):
    text = pd.read_csv(BAOSTOCK, encoding="utf-8-sig", dtype=str)
    for col in ("open", "high", "low", "close"):
        text[col] = text[col].astype(float).map(lambda v: f"{v:.2f}")
    path = tmp_path / "qfq_2dp.csv"
    text.to_csv(path, index=False)
    before = snapshot(cache)
    with pytest.raises(InputError) as err:
        import_bars(cache, path, "300502")
    message = str(err.value)
    assert message.startswith(f"{path} line 8: forward-adjusted prices (adjustflag 2): no traded")
    assert "export unadjusted bars (baostock: adjustflag=3)" in message
    assert snapshot(cache) == before


def test_baostock_adjusted_without_amounts_is_refused(tmp_path):
    text = pd.read_csv(BAOSTOCK, encoding="utf-8-sig", dtype=str).drop(columns=["amount"])
    path = tmp_path / "no_amount.csv"
    text.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"adjustflag 2\), and no volume and amount columns"):
        read_bars_csv(path, "300502")


def test_baostock_unadjusted_export_is_taken_as_traded_prices(tmp_path):
    text = pd.read_csv(BAOSTOCK, encoding="utf-8-sig", dtype=str)
    text["close"] = [f"{c:.2f}" for c in BAOSTOCK_CLOSES]
    for col in ("open", "high", "low"):
        text[col] = text["close"]
    text["adjustflag"] = "3"
    path = tmp_path / "raw.csv"
    text.to_csv(path, index=False)
    frame = read_bars_csv(path, "300502").frame
    assert frame["close"].tolist() == BAOSTOCK_CLOSES and (frame["adj_factor"] == 1).all()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"adjustflag": "4"}, "line 2, column 'adjustflag': '4' is not 1"),
        ({"code": "sz.300308"}, "line 2: code sz.300308 is not 300502.SZ"),
    ],
)
def test_baostock_bad_flag_or_code(tmp_path, change, expected):
    text = pd.read_csv(BAOSTOCK, encoding="utf-8-sig", dtype=str)
    for col, value in change.items():
        text[col] = value
    path = tmp_path / "bad.csv"
    text.to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        read_bars_csv(path, "300502")
    assert str(err.value).startswith(f"{path} {expected}")


def test_a_flag_that_changes_inside_the_file_is_refused(tmp_path):
    text = pd.read_csv(BAOSTOCK, encoding="utf-8-sig", dtype=str)
    text.loc[3, "adjustflag"] = "3"
    path = tmp_path / "mixed.csv"
    text.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"line 5: adjustflag '3' differs from line 2's '2'"):
        read_bars_csv(path, "300502")


@pytest.mark.parametrize(
    ("header", "scale", "expected"),
    [
        (
            "成交量(手)",
            1,
            "column '成交量(手)' says lots, but 成交额 / (成交量(手) × price) is 0.9995",
        ),
        ("成交量", 1 / 1000, "column '成交量' does not count what '成交额' is worth"),
    ],
)
def test_units_that_contradict_the_name_or_each_other_are_refused(
    tmp_path, header, scale, expected
):
    text = pd.read_csv(CSV / "suiwenfeng_300308.csv", dtype=str)
    text["成交额"] = (text["成交额"].astype(float) * scale).map(lambda v: f"{v:.3f}")
    path = tmp_path / "units.csv"
    text.rename(columns={"成交量": header}).to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        read_bars_csv(path, "300308")
    assert str(err.value).startswith(f"{path}: {expected}")


def test_an_adjusted_close_header_is_recognised(tmp_path):
    text = pd.read_csv(BAOSTOCK, encoding="utf-8-sig", dtype=str).drop(columns=["adjustflag"])
    path = tmp_path / "qfq.csv"
    text.rename(columns={"close": "收盘价(前复权)"}).to_csv(path, index=False)
    parsed = read_bars_csv(path, "300502", columns={"close": "收盘价(前复权)"})
    assert parsed.frame["close"].round(2).tolist() == BAOSTOCK_CLOSES
    assert parsed.notes[0].startswith("forward-adjusted prices (column '收盘价(前复权)')")
