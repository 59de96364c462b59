"""How the briefing and the CLI write numbers: one formatter per kind of number.

Language-dependent words (``y``/``年``, "not within") come from the caller's texts
(``templates/i18n/model.<lang>.yaml``, section ``formats``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def fmt_number(value: float, digits: int = 3, trim: bool = False) -> str:
    """``digits`` significant digits; from 10^5 up as ``2.20×10⁸``; ``trim`` drops trailing
    zeros of the mantissa (for exact inputs: ``1×10⁸``)."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    exponent = math.floor(math.log10(abs(value)))
    if exponent >= 5:
        mantissa = f"{value / 10**exponent:.{digits - 1}f}"
        if trim and "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}×10{str(exponent).translate(_SUPERSCRIPT)}"
    places = digits - 1 - exponent
    text = f"{round(value, places):,.{max(places, 0)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_value(value: float | str, unit: str) -> str:
    """An input's value as a reader sees it (shares and rates as percentages)."""
    if isinstance(value, str):
        return value
    if unit in ("fraction", "1/year"):
        return f"{value * 100:.4g}%"
    return fmt_number(value, 4, trim=True)


def fmt_years(
    years: float | None, horizon_years: float, formats: Mapping[str, str], digits: int = 1
) -> str:
    """``3.9 y``, or ``not within 20 y`` when the paths do not cross within the horizon
    (``3.9 年`` and ``20 年内未交叉`` with the Chinese ``formats``)."""
    if years is None:
        return formats["not_within"].format(horizon=f"{horizon_years:.0f}")
    return formats["years"].format(years=f"{years:.{digits}f}")


def fmt_growth(rate: float) -> str:
    return f"{rate * 100:+,.0f}%"


def fmt_pct(value: float | None, na: str = "—", digits: int = 1) -> str:
    """A return or share as a signed percentage (``+12.3%``); ``na`` when missing."""
    if value is None or value != value:
        return na
    return f"{value * 100:+.{digits}f}%"


def fmt_pp(value: float | None, t: Mapping[str, str], signed: bool = True, digits: int = 1) -> str:
    """A difference of two returns in percentage points: ``+1.2 pp`` (``+1.2个百分点``);
    ``t["pp_unit"]`` is the unit in the note's language, ``t["na"]`` the missing mark."""
    if value is None or value != value:
        return t["na"]
    number = f"{value * 100:{'+' if signed else ''}.{digits}f}"
    return f"{number}{t['pp_unit']}"


def fmt_multiple(value: float | None, na: str = "—") -> str:
    """A valuation multiple: ``52x``, ``8.5x`` below 10; ``na`` when missing or negative
    (a loss-making name has no meaningful P/E)."""
    if value is None or value != value or value <= 0:
        return na
    return f"{value:.0f}x" if value >= 10 else f"{value:.1f}x"


def fmt_bn(value: float | None, na: str = "—") -> str:
    """An amount in billions: ``4,400`` from 100 up, else one decimal (``93.4``, ``0.8``)."""
    if value is None or value != value:
        return na
    bn = value / 1e9
    return f"{bn:,.0f}" if bn >= 100 else f"{bn:.1f}"
