"""The checks a bar import makes on the numbers it read (the second job of ``data import``,
after :mod:`.csv_rows` and before the cache): whether the prices are adjusted and, if so,
the traded prices recovered from them (:mod:`.traded_prices`); what the volume column counts
(shares or lots, read off amount / (volume x price)); the adjustment factors stored."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..tickers import security
from .traded_prices import RecoveryError, recover_traded_prices

VOLUME_UNITS = {"shares": 1.0, "lots": 100.0}
#: how far (as a factor) amount / (volume × price) may be from 1 (shares) or 100 (lots)
UNIT_SLACK = 2.0
#: baostock's adjustflag: 1 backward-adjusted, 2 forward-adjusted, 3 unadjusted
_ADJUST_FLAGS = {"1": "backward", "2": "forward", "3": None}
_ADJUST_WORDS = {
    "前复权": "forward",
    "qfq": "forward",
    "后复权": "backward",
    "hfq": "backward",
}


def adj_factors(path: Path, header, found, values, lines, multiplier=None) -> np.ndarray:
    close = np.asarray(values["close"])
    if multiplier is not None:
        return multiplier / multiplier[0]
    if "adj_factor" in found:
        factor = np.asarray(values["adj_factor"])
        column = header[found["adj_factor"]]
    elif "adj_close" in found:
        factor = np.asarray(values["adj_close"]) / close
        column = header[found["adj_close"]]
    else:
        return np.ones(len(close))
    bad = np.flatnonzero(~(factor > 0))
    if len(bad):
        raise InputError(f"{path} line {lines[bad[0]]}, column {column!r}: missing or not positive")
    return factor / factor[0]  # back-adjusted: 1 on the first day, history keeps its factors


# -- adjusted prices -------------------------------------------------------------------------


def price_basis(path: Path, header: list[str], found: Mapping[str, int], rows) -> tuple | None:
    """``(direction, evidence)`` when the prices are adjusted (``adjustflag`` 1/2, or a close
    header saying 前复权/后复权/qfq/hfq); None for traded prices."""
    lowered = [h.lower() for h in header]
    if "adjustflag" in lowered:
        idx = lowered.index("adjustflag")
        first_line, _, first_cells = rows[0]
        flag = first_cells[idx]
        for line, _, cells in rows:
            if cells[idx] != flag:
                raise InputError(
                    f"{path} line {line}: adjustflag {cells[idx]!r} differs from line "
                    f"{first_line}'s {flag!r}; one file must hold one kind of prices"
                )
        if flag not in _ADJUST_FLAGS:
            raise InputError(
                f"{path} line {first_line}, column {header[idx]!r}: {flag!r} is not 1 "
                "(backward-adjusted), 2 (forward-adjusted) or 3 (unadjusted)"
            )
        direction = _ADJUST_FLAGS[flag]
        return (direction, f"adjustflag {flag}") if direction else None
    close = header[found["close"]].lower()
    if "不复权" in close:
        return None
    for word, direction in _ADJUST_WORDS.items():
        if word in close:
            return direction, f"column {header[found['close']]!r}"
    return None


def recover_traded(path, ticker, header, found, values, lines, basis, notes, days) -> np.ndarray:
    """Replace adjusted OHLC in ``values`` by the traded prices; return the multiplier."""
    direction, evidence = basis
    what = f"{direction}-adjusted prices ({evidence})"
    advice = "export unadjusted bars (baostock: adjustflag=3) and import those"
    if "volume" not in found or "amount" not in found:
        raise InputError(
            f"{path}: {what}, and no volume and amount columns to recover the traded prices "
            f"from; adjusted prices are not stored as traded ones: {advice}"
        )
    nan = np.full(len(lines), np.nan)
    open_, high, low = (
        np.asarray(values[c]) if c in values else nan for c in ("open", "high", "low")
    )
    sec = security(ticker)
    try:
        got = recover_traded_prices(
            open_,
            high,
            low,
            np.asarray(values["close"]),
            np.asarray(values["volume"]),
            np.asarray(values["amount"]),
            sec.tick,
        )
    except RecoveryError as exc:
        raise InputError(
            f"{path} line {lines[exc.row]}: {what}: {exc.reason}; the traded prices cannot "
            f"be recovered and adjusted ones are not stored as traded: {advice}"
        ) from None
    for name in ("open", "high", "low", "close"):
        if name in values:
            values[name] = list(getattr(got, name))
    g = got.multiplier
    actions = [f"{days[i]} (× {g[i] / g[i - 1]:.6g})" for i in got.steps()]
    listed = ", ".join(actions[:3]) + (f" and {len(actions) - 3} more" if len(actions) > 3 else "")
    notes.append(
        f"{what}: traded prices recovered on the {sec.tick:g} tick"
        + (f"; corporate actions on {listed}" if actions else "; no corporate action inside")
    )
    return g


# -- volume units ----------------------------------------------------------------------------


def _named_unit(column: str) -> str | None:
    lowered = column.lower()
    if "手" in column or "lots" in lowered:
        return "lots"
    if "股" in column.replace("股票", "") or "shares" in lowered:
        return "shares"
    return None


def volume_unit_of(path, header, found, values, lines, texts, given, flavour, notes) -> str:
    """The volume column's unit, read off the data where they can tell (module docstring)."""
    default = given or ("lots" if flavour == "akshare" else "shares")
    if "volume" not in found:
        return default
    column = header[found["volume"]]
    volume = np.asarray(values["volume"])
    if "amount" not in found:
        if given is None:
            _refuse_money_volume(path, column, volume, [t[found["volume"]] for t in texts], lines)
        return default
    amount = np.asarray(values["amount"])
    close = np.asarray(values["close"])
    high, low = (np.asarray(values[c]) if c in values else close for c in ("high", "low"))
    typical = (high + low + close) / 3
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = amount / (volume * typical)
    ratio = ratio[np.isfinite(ratio) & (ratio > 0)]
    if not len(ratio):
        return default
    r = float(np.median(ratio))
    short = f"{header[found['amount']]} / ({column} × price) is {r:.4g}"
    evidence = f"{short} (median of {len(ratio)} rows; shares give about 1, lots of 100 about 100)"
    inferred = next(
        (u for u, size in VOLUME_UNITS.items() if 1 / UNIT_SLACK <= r / size <= UNIT_SLACK),
        None,
    )
    if inferred is None:
        raise InputError(
            f"{path}: column {column!r} does not count what {header[found['amount']]!r} is "
            f"worth: {evidence}; check that the amount is in the currency (not thousands) and "
            "map the right columns with --volume-col / --amount-col"
        )
    if given is not None and given != inferred:
        raise InputError(f"{path}: --volume-unit {given} contradicts the file: {evidence}")
    named = _named_unit(column)
    if named is not None and named != inferred:
        raise InputError(f"{path}: column {column!r} says {named}, but {evidence}")
    if given is None:
        notes.append(f"{column} read as {inferred}: {short}")
    return inferred


def _refuse_money_volume(path, column: str, volume: np.ndarray, cells, lines) -> None:
    """A volume column holding money (cents, or written like money) is refused."""
    finite = np.isfinite(volume)
    fraction = np.flatnonzero(finite & (np.abs(volume - np.round(volume)) > 1e-6))
    written = [i for i, c in enumerate(cells) if re.fullmatch(r"-?[0-9,]*\.[0-9]{2}", c.strip())]
    hint = (
        "so the column looks like traded value (成交额), not a count: if it is, map it with "
        f"--amount-col {column!r}; if it counts shares or lots, say --volume-unit"
    )
    if len(fraction):
        i = int(min(fraction, key=lambda j: lines[j]))  # the first in the file
        raise InputError(
            f"{path} line {lines[i]}, column {column!r}: {cells[i]} has a fraction, which no "
            f"share count has, and the file has no amount column to check it against, {hint}"
        )
    if len(written) >= max(2, finite.sum() / 2):
        i = min(written, key=lambda j: lines[j])
        raise InputError(
            f"{path} line {lines[i]}, column {column!r}: {cells[i]} is written with two "
            f"decimals like money, as are {len(written)} of {int(finite.sum())} rows, and the "
            f"file has no amount column to check it against, {hint}"
        )
