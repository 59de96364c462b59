"""Reading corporate actions off Eastmoney's adjusted closes: the factor numerics behind the
akshare provider (pure functions of price arrays; no vendor calls).

Raw prices plus a back-adjusted factor read off Eastmoney's forward-adjusted closes.

    ``daily_bars`` asks Eastmoney for the whole unadjusted history up to ``end`` (``adjust=""``,
    ``fqt=0``) and for the forward-adjusted closes over the same range (``adjust="qfq"``,
    ``fqt=1``), and stores the raw OHLC. The unadjusted klines say nothing about corporate
    actions: their 涨跌额/涨跌幅 are measured from the previous *raw* close, ex-dates included.

    Eastmoney's ``qfq`` is *additive* and rounded: a close before an ex-date becomes
    ``(P − D) / (1 + B)`` (cash ``D`` and bonus/transfer ratio ``B`` per share), composed over
    every later event and rounded to the tick (0.01; 0.001 for funds). Between two corporate
    actions it is an affine function of the raw close, ``qfq = a·raw + b``: the slope ``a``
    changes only with bonus shares, splits and rights, the offset ``b`` with every cash dividend
    (it is what drives old ``qfq`` prices negative; akshare issues #1878, #5287, #7250). Ratios of
    ``qfq`` closes therefore depend on ``b``, i.e. on every later dividend (on ordinary days
    ``qfq_t / qfq_{t-1}`` differs from the raw ratio by about ``b/qfq`` times the day's return);
    their *differences* do not. On every day

        qfq_t − qfq_{t-1} = a_t · (raw_t − ref_t)

    with ``a_t`` the slope of the stretch holding day ``t`` and ``ref_t`` the exchange's
    reference previous close: ``raw_{t-1}`` on an ordinary day, the ex-rights price
    ``(raw_{t-1} − D) / (1 + B)`` on an ex-date. Hence ``ref_t = raw_t − Δqfq_t / a_t``; where it
    differs from ``raw_{t-1}`` beyond the rounding, day ``t`` is an ex-date and the factor steps::

        adj_factor_t = Π_{ex-dates u ≤ t} raw_{u-1} / ref_u          (1 on the first bar)

    so ``close * adj_factor`` has exactly the raw return on every other day (the factor does not
    move) and the exchange's total return ``close_t / ref_t`` on ex-dates (bonus shares, splits,
    rights, cash reinvested at the reference price). Each step is logged at INFO.

    Tolerance: a day is ordinary when ``|Δqfq − a·Δraw|`` is at most **one tick of the adjusted
    series** (+ 4 standard errors of ``a`` × ``|Δraw|`` where ``a`` is measured, + 1e-9 for float
    noise). Each ``qfq`` close carries up to half a tick of rounding, so a difference carries up
    to one; with ``a = 1`` it is often exact, but a cumulative dividend ending in half a tick
    (0.045, 0.125 CNY) rounds either way day by day. A fixed relative tolerance cannot work: one
    tick is 1e-3 of a 10 CNY price but 1e-4 of a 100 CNY one, and ``b/qfq`` × an ordinary day's
    return easily exceeds 5e-4 before a 2 % dividend. Cost: a dividend of a single tick (0.01 CNY
    a share) is not seen, and an ex-date step is exact only to one ``qfq`` tick ÷ ``a`` in the
    reference price (it is exact when ``a = 1`` and the dividends are whole ticks).

    The slope: 1 on the last stretch when ``qfq`` ends at the last raw close. (Otherwise
    Eastmoney already adjusted for an action after ``end`` and it is measured like any other.)
    Walking back, at each ex-date the stretch before it keeps the later stretch's slope,
    exactly, when its nearest days agree with that slope up to one that moved enough to show a
    3 % change, or when the ex-date's step is under 5 % (cash-like) and the data do not object;
    otherwise the slope is measured: least squares of ``Δqfq`` on ``Δraw`` from the median ratio
    of the nearest days outward, up to the first day that disagrees (the next ex-date), and
    kept only if it differs from the later slope by more than 4 standard errors. ``ref_t`` on
    an ex-date uses the later stretch's slope, already known, and barely depends on it. Two
    ex-dates fewer than 5 sessions apart leave a stretch too short to measure; that is logged
    as a WARNING (the factor between them may be off).

    Coarse ``qfq``: after many bonus issues ``a`` is small and one ``qfq`` tick is worth
    ``tick / a`` of raw price. Where ``a × price`` is under 200 ticks (2 CNY; one tick is then
    over 0.5 % of the price) or ``a``'s standard error exceeds 1 % of it, that day and all
    earlier ones are read from the backward-adjusted series instead (a third request,
    ``adjust="hfq"``, ``fqt=2``, made only then): ``hfq`` is additive too but anchored at the
    first bar with slopes ≥ 1, so its rounding is at most a raw tick, and the same rule walks
    it forward (the slope after an ex-date is measured on the days after it). Non-positive
    ``qfq`` closes need no special case: only differences are used.

    Stability: the factor of past days does not depend on later corporate actions. A later cash
    dividend in whole ticks shifts old ``qfq`` closes by a constant and leaves their differences,
    and so the factor history, unchanged to float precision. A later bonus issue, or a dividend
    with fractions of a tick, re-rounds old ``qfq`` closes: an old ex-date's step can then move
    by up to one ``qfq`` tick ÷ ``a`` relative to its reference price, which the updater sees as a
    changed factor and answers by re-fetching the ticker's history. To keep the factor anchored
    (1 at the listing day), ``daily_bars`` always asks for the whole history up to ``end`` and
    returns the rows from ``start``. The adjusted klines must carry exactly the raw klines'
    dates, or the call fails naming the first date that differs.

"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

_SIGMAS = 4.0  # standard errors of a measured slope allowed in a day's residual
_FLOAT_EPS = 1e-9  # CNY: float noise in differences of prices parsed from decimals
_START_DAYS = 9  # a slope fit starts from the median ratio of up to this many nearest days,
_START_TICKS = 5  # ... counting days whose raw change is at least this many ticks,
_START_SPREAD = 0.1  # ... and trusts it to 10 % until the least squares know better
_MIN_CHANGE = 0.03  # smallest change of slope looked for (bonus and rights ratios are ≥ 5 %)
_BIG_STEP = 1.05  # an ex-date step under this is taken for cash only unless the data object
_MIN_LEVEL_TICKS = 200  # qfq is coarse where slope × price is under this many ticks,
_MAX_REL_SIGMA = 0.01  # ... or where the slope's standard error exceeds this fraction of it
CLOSE_SESSIONS = 5  # ex-dates nearer than this leave a stretch too short to measure: warned


@dataclass(frozen=True)
class _Slope:
    """Adjusted-price change per unit of raw change over one stretch between corporate actions."""

    value: float
    sigma: float  # standard error; 0 when known exactly


_EXACT = _Slope(1.0, 0.0)


class AdjustmentError(ValueError):
    """The adjusted closes imply an impossible reference price on row ``row``."""

    def __init__(self, row: int, message: str) -> None:
        super().__init__(message)
        self.row = row


def _ordinary(d_raw: float, d_adj: float, slope: _Slope, tick: float) -> bool:
    """Whether a day's adjusted change is its raw change × slope, within the rounding."""
    allowed = tick + _SIGMAS * slope.sigma * abs(d_raw) + _FLOAT_EPS
    return abs(d_adj - slope.value * d_raw) <= allowed


def _coarse(slope: _Slope, price: float, tick: float) -> bool:
    """Whether one tick of the adjusted series is too much raw price to read actions from."""
    if slope == _EXACT:
        return False
    too_flat = slope.value * price < _MIN_LEVEL_TICKS * tick
    return too_flat or slope.sigma > _MAX_REL_SIGMA * abs(slope.value)


def _prior_holds(
    d_raw: np.ndarray, d_adj: np.ndarray, prior: _Slope, tick: float, step: float
) -> bool:
    """Whether the stretch next to a boundary keeps the slope ``prior``.

    Yes if the days nearest the boundary agree with it up to one whose raw change would have
    shown a change of slope of ``_MIN_CHANGE``; otherwise yes for a small, cash-like ``step``
    at the boundary (the days that disagree are then taken for another ex-date).
    """
    shows = 2.0 * tick / (_MIN_CHANGE * abs(prior.value))
    for x, y in zip(d_raw.tolist(), d_adj.tolist(), strict=True):
        if not _ordinary(x, y, prior, tick):
            break
        if abs(x) >= shows:
            return True
    return step < _BIG_STEP


def _fit_slope(d_raw: np.ndarray, d_adj: np.ndarray, tick: float) -> _Slope | None:
    """Least squares through the origin over the days nearest a boundary that agree.

    Starts from the median ratio of the nearest days and stops at the first day that
    disagrees with the running slope (the next ex-date or change of slope). The rounding error
    of a difference of two closes has a standard deviation of at most ``tick / √2``.
    """
    near = np.flatnonzero(np.abs(d_raw) >= _START_TICKS * tick)[:_START_DAYS]
    center: float | None = None
    spread = math.inf  # how far ``center`` may be off, in slope units
    if near.size >= 3:
        center = float(np.median(d_adj[near] / d_raw[near]))
        typical_error = float(np.median(tick / np.abs(d_raw[near])))
        spread = max(_START_SPREAD * abs(center), 2.0 * typical_error)
    sxx = sxy = 0.0
    for x, y in zip(d_raw.tolist(), d_adj.tolist(), strict=True):
        if center is not None and abs(y - center * x) > tick + spread * abs(x) + _FLOAT_EPS:
            break
        if x == 0.0:
            continue
        sxx += x * x
        sxy += x * y
        sigma = tick / math.sqrt(2.0 * sxx)
        if _SIGMAS * sigma < spread:
            center, spread = sxy / sxx, _SIGMAS * sigma
    if sxx == 0.0:
        return None
    return _Slope(sxy / sxx, tick / math.sqrt(2.0 * sxx))


def _segment_slope(
    d_raw: np.ndarray, d_adj: np.ndarray, prior: _Slope, tick: float, step: float
) -> _Slope:
    """The slope of the stretch next to a boundary whose own step is ``step``.

    ``d_raw``/``d_adj`` are day-to-day changes, nearest the boundary first. ``prior`` (the
    slope on the other side) is kept, exactly, unless the nearest days contradict it and a
    fit differs from it by more than ``_SIGMAS`` standard errors.
    """
    if _prior_holds(d_raw, d_adj, prior, tick, step):
        return prior
    fit = _fit_slope(d_raw, d_adj, tick)
    if fit is None:
        return prior
    if abs(fit.value - prior.value) <= _SIGMAS * math.hypot(fit.sigma, prior.sigma) + _FLOAT_EPS:
        return prior
    return fit


def _reference(raw_t: float, d_adj: float, slope: _Slope, row: int) -> float:
    """The exchange's reference previous close implied by the adjusted change (docstring)."""
    ref = raw_t - d_adj / slope.value
    if not ref > 0:
        raise AdjustmentError(
            row,
            f"the adjusted closes imply a reference price of {ref:.4g} for a close of {raw_t:g}",
        )
    return ref


def forward_adjusted_steps(
    raw: npt.ArrayLike, qfq: npt.ArrayLike, tick: float
) -> tuple[np.ndarray, int]:
    """Per-day factor steps read off forward-adjusted closes, walking back from the last bar.

    Returns ``(steps, cut)``: ``steps[t]`` is ``raw[t-1] / ref_t`` on an ex-date and exactly 1
    otherwise; ``cut`` is 0, or the row at and before which ``qfq`` is too coarse to read
    (``steps[: cut + 1]`` are then left at 1 for :func:`backward_adjusted_steps`).
    """
    raw_a, adj = np.asarray(raw, dtype="float64"), np.asarray(qfq, dtype="float64")
    steps = np.ones(len(raw_a))
    if len(raw_a) < 2:
        return steps, 0
    d_raw, d_adj = np.diff(raw_a), np.diff(adj)
    slope = _EXACT
    if abs(adj[-1] - raw_a[-1]) > _FLOAT_EPS:  # adjusted for an action after the last bar
        slope = _segment_slope(d_raw[::-1], d_adj[::-1], _EXACT, tick, math.inf)
    for t in range(len(raw_a) - 1, 0, -1):
        if _coarse(slope, raw_a[t], tick):
            return steps, t
        if _ordinary(d_raw[t - 1], d_adj[t - 1], slope, tick):
            continue
        steps[t] = raw_a[t - 1] / _reference(raw_a[t], d_adj[t - 1], slope, t)
        before = slice(None, t - 1)
        slope = _segment_slope(d_raw[before][::-1], d_adj[before][::-1], slope, tick, steps[t])
    return steps, 0


def backward_adjusted_steps(
    raw: npt.ArrayLike, hfq: npt.ArrayLike, tick: float, upto: int
) -> np.ndarray:
    """Per-day factor steps for rows ``1..upto`` read off backward-adjusted closes.

    The mirror of :func:`forward_adjusted_steps`: ``hfq`` is anchored at the first bar, so the
    walk goes forward, and at an ex-date the slope of the stretch that starts there is measured
    on the days after it before the reference price is read.
    """
    raw_a, adj = np.asarray(raw, dtype="float64"), np.asarray(hfq, dtype="float64")
    steps = np.ones(len(raw_a))
    d_raw, d_adj = np.diff(raw_a), np.diff(adj)
    slope = _EXACT
    if len(raw_a) and abs(adj[0] - raw_a[0]) > _FLOAT_EPS:  # an action before the first bar
        slope = _segment_slope(d_raw, d_adj, _EXACT, tick, math.inf)
    for t in range(1, min(upto, len(raw_a) - 1) + 1):
        if _ordinary(d_raw[t - 1], d_adj[t - 1], slope, tick):
            continue
        guess = raw_a[t - 1] / max(raw_a[t] - d_adj[t - 1] / slope.value, _FLOAT_EPS)
        slope = _segment_slope(d_raw[t:], d_adj[t:], slope, tick, guess)
        steps[t] = raw_a[t - 1] / _reference(raw_a[t], d_adj[t - 1], slope, t)
    return steps
