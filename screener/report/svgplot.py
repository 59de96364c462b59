"""Small hand-built SVG charts for the briefing: lines (linear or log axis) and horizontal bars.

Text stays text (``<text>`` in the briefing's font stack, the CJK face first, so Chinese
labels draw with real glyphs and the PDF embeds one subset of the fonts it already uses),
which WeasyPrint lays out far faster than matplotlib's glyph outlines; there is no
matplotlib import at all. Widths of text are estimated (an East Asian wide character is one
em, anything else 0.6 em: generous for Noto Sans and DejaVu Sans), which is all the layout
needs: margins that fit the labels, and legends that do not overlap. The output depends only
on the inputs (no ids, no dates): the same numbers give the same SVG.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

FONT = "Noto Sans CJK SC, Noto Sans, DejaVu Sans, sans-serif"
GRID = "#e0e0e0"
AXIS = "#595959"
INK = "#262626"
#: 1 user unit = 1 pt; a chart 7.2 in wide is 518 units
PT_PER_INCH = 72.0


def text_width(text: str, size: float) -> float:
    """An upper estimate of ``text``'s width at font ``size`` (pt)."""
    wide = sum(1 for ch in text if unicodedata.east_asian_width(ch) in "WF")
    return size * (wide + 0.6 * (len(text) - wide))


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass
class Canvas:
    """SVG elements in points; :meth:`svg` closes them into a document."""

    width: float
    height: float
    parts: list[str] = field(default_factory=list)

    def line(self, x1, y1, x2, y2, colour=AXIS, width=0.6, dash: str | None = None) -> None:
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
            f'stroke="{colour}" stroke-width="{_num(width)}"{extra}/>'
        )

    def polyline(self, points, colour, width=1.2, dash: str | None = None) -> None:
        if len(points) < 2:
            return
        path = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" '
            f'stroke-width="{_num(width)}" stroke-linejoin="round"{extra}/>'
        )

    def rect(self, x, y, w, h, colour, hatch: bool = False) -> None:
        fill = "url(#hatch)" if hatch else colour
        self.parts.append(
            f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" '
            f'fill="{fill}" stroke="{colour}" stroke-width="0.6"/>'
        )
        if hatch:
            self._hatch = colour

    def circle(self, x, y, r, colour) -> None:
        self.parts.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}" fill="{colour}"/>')

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float = 7.0,
        anchor: str = "start",
        colour: str = INK,
        bold: bool = False,
        rotate: float | None = None,
        opacity: float | None = None,
    ) -> None:
        """``text`` with its baseline at ``y`` (each line of a multi-line text below the last)."""
        attrs = f'x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" fill="{colour}"'
        if anchor != "start":
            attrs += f' text-anchor="{anchor}"'
        if bold:
            attrs += ' font-weight="bold"'
        if opacity is not None:
            attrs += f' fill-opacity="{_num(opacity)}"'
        if rotate is not None:
            attrs += f' transform="rotate({_num(rotate)} {_num(x)} {_num(y)})"'
        lines = text.split("\n")
        if len(lines) == 1:
            self.parts.append(f"<text {attrs}>{escape(text)}</text>")
            return
        spans = "".join(
            f'<tspan x="{_num(x)}" dy="{0 if i == 0 else _num(size * 1.2)}">{escape(s)}</tspan>'
            for i, s in enumerate(lines)
        )
        self.parts.append(f"<text {attrs}>{spans}</text>")

    def svg(self, title: str | None = None) -> str:
        defs = ""
        colour = getattr(self, "_hatch", None)
        if colour is not None:
            defs = (
                '<defs><pattern id="hatch" width="4" height="4" patternUnits="userSpaceOnUse" '
                'patternTransform="rotate(45)"><rect width="4" height="4" fill="white"/>'
                f'<line x1="0" y1="0" x2="0" y2="4" stroke="{colour}" stroke-width="1.6"/>'
                "</pattern></defs>"
            )
        label = f"<title>{escape(title)}</title>" if title else ""
        w, h = _num(self.width), _num(self.height)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}pt" height="{h}pt" '
            f'viewBox="0 0 {w} {h}" font-family={quoteattr(FONT)}>{label}{defs}'
            + "".join(self.parts)
            + "</svg>\n"
        )


# -- scales and ticks -------------------------------------------------------------------------


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering ``lo``..``hi`` (steps of 1, 2, 2.5 or 5 x 10^k)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(lo / step) * step
    ticks = []
    value = first
    while value <= hi + step * 1e-9:
        if value >= lo - step * 1e-9:
            ticks.append(round(value, 12))
        value += step
    return ticks


def log_ticks(lo: float, hi: float) -> list[float]:
    """Powers of ten from the one at or below ``lo`` to the one at or above ``hi``."""
    return [10.0**k for k in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)]


def superscript_power(value: float) -> str:
    """``1e12`` → ``10¹²`` (how a log axis labels its decades)."""
    k = round(math.log10(value))
    return "10" + str(k).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))


@dataclass(frozen=True)
class Scale:
    """Data to points along one axis (``log``: by log10)."""

    lo: float
    hi: float
    start: float
    end: float
    log: bool = False

    def __call__(self, value: float) -> float:
        lo, hi, v = self.lo, self.hi, value
        if self.log:
            lo, hi, v = math.log10(lo), math.log10(hi), math.log10(max(value, 1e-300))
        return self.start + (v - lo) / (hi - lo) * (self.end - self.start)


# -- charts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    label: str
    x: Sequence[float]
    y: Sequence[float]
    colour: str
    width: float = 1.4
    dashed: bool = False


@dataclass(frozen=True)
class Span:
    """A shaded range of x across the plot's height (drawn behind the lines), in the legend."""

    x0: float
    x1: float
    colour: str
    label: str = ""


@dataclass(frozen=True)
class Mark:
    """A dot at (x, y) with a note beside it (lines separated by newlines)."""

    x: float
    y: float
    colour: str
    note: str = ""


def line_chart(
    lines: Sequence[Line],
    *,
    width_in: float,
    height_in: float,
    x_ticks: Sequence[tuple[float, str]],
    y_format: Callable[[float], str],
    y_range: tuple[float, float] | None = None,
    y_log: bool = False,
    x_range: tuple[float, float] | None = None,
    title: str = "",
    x_label: str = "",
    y_label: str = "",
    marks: Sequence[Mark] = (),
    spans: Sequence[Span] = (),
    zero_line: bool = False,
    legend_columns: int = 1,
    watermark: str = "",
) -> str:
    """Lines over a shared x axis; the legend sits at the top left inside the plot."""
    xs = [v for ln in lines for v in ln.x if math.isfinite(v)]
    ys = [v for ln in lines for v in ln.y if math.isfinite(v) and (v > 0 or not y_log)]
    x_lo, x_hi = x_range or (min(xs, default=0.0), max(xs, default=1.0))
    if y_range is not None:
        y_lo, y_hi = y_range
    else:
        y_lo, y_hi = min(ys, default=0.0), max(ys, default=1.0)
        if y_lo == y_hi:
            y_lo, y_hi = y_lo - 1.0, y_hi + 1.0
        pad = 0.05 * (y_hi - y_lo)
        y_lo, y_hi = y_lo - pad, y_hi + pad
    y_ticks = log_ticks(y_lo, y_hi) if y_log else nice_ticks(y_lo, y_hi)
    if y_log:
        y_ticks = [t for t in y_ticks if y_lo <= t <= y_hi] or y_ticks[:1]
    tick_labels = [y_format(t) for t in y_ticks]
    width, height = width_in * PT_PER_INCH, height_in * PT_PER_INCH
    left = 6 + max(text_width(s, 7) for s in tick_labels) + (14 if y_label else 0)
    top = 16 if title else 8
    bottom = 20 + (12 if x_label else 0)
    c = Canvas(width, height)
    sx = Scale(x_lo, x_hi, left, width - 10)
    sy = Scale(y_lo, y_hi, height - bottom, top, log=y_log)
    for t, s in zip(y_ticks, tick_labels, strict=True):
        c.line(left, sy(t), width - 10, sy(t), GRID, 0.5)
        c.text(left - 4, sy(t) + 2.5, s, 7, "end", AXIS)
    for x, s in x_ticks:
        if x_lo <= x <= x_hi:
            c.line(sx(x), height - bottom, sx(x), height - bottom + 3, AXIS, 0.6)
            c.text(sx(x), height - bottom + 11, s, 7, "middle", AXIS)
    for sp in spans:
        x0, x1 = sx(max(sp.x0, x_lo)), sx(min(sp.x1, x_hi))
        if x1 > x0:
            c.rect(x0, top, x1 - x0, height - bottom - top, sp.colour)
    c.line(left, height - bottom, width - 10, height - bottom, AXIS, 0.6)
    c.line(left, top, left, height - bottom, AXIS, 0.6)
    if zero_line and y_lo < 0 < y_hi:
        c.line(left, sy(0), width - 10, sy(0), "#bfbfbf", 0.6)
    for ln in lines:
        points = [
            (sx(x), sy(y))
            for x, y in zip(ln.x, ln.y, strict=True)
            if math.isfinite(x) and math.isfinite(y) and x_lo <= x <= x_hi and (y > 0 or not y_log)
        ]
        c.polyline(points, ln.colour, ln.width, "4,2" if ln.dashed else None)
    placed: list[tuple[float, float, float, float]] = []
    for m in sorted(marks, key=lambda m: m.x):
        c.circle(sx(m.x), sy(m.y), 2.5, m.colour)
        if m.note:
            x, y = _note_place(sx(m.x), sy(m.y), text_width(m.note, 6.5), placed)
            c.text(x, y, m.note, 6.5, colour=m.colour)
    if title:
        c.text(left, 10, title, 9)
    if x_label:
        c.text((left + width - 10) / 2, height - 4, x_label, 7.5, "middle")
    if y_label:
        mid = (top + height - bottom) / 2
        c.text(9, mid, y_label, 7.5, "middle", rotate=-90)
    _legend(c, lines, left + 6, top + 9, legend_columns, width - 10 - left - 12)
    labelled = [sp for sp in spans if sp.label]
    rows = -(-len([ln for ln in lines if ln.label]) // max(1, legend_columns))
    for i, sp in enumerate(labelled):
        y = top + 9 + (rows + i) * 10
        c.rect(left + 6, y - 6, 14, 6, sp.colour)
        c.text(left + 24, y, sp.label, 7)
    if watermark:
        c.text(width - 14, height - bottom - 6, watermark, 18, "end", "#c00000", bold=True,
               opacity=0.25)  # fmt: skip
    return c.svg(title or None)


def _note_place(
    x: float, y: float, width: float, placed: list[tuple[float, float, float, float]]
) -> tuple[float, float]:
    """Where a dot's note goes: below right of the dot, else above right, below left, above
    left, whichever first clears the notes already placed (recorded in ``placed``)."""
    tries = [(x + 4, y + 10), (x + 4, y - 5), (x - 4 - width, y + 10), (x - 4 - width, y - 5)]
    for tx, ty in tries:
        box = (tx, ty - 7, tx + width, ty + 1)
        if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                   for b in placed):  # fmt: skip
            placed.append(box)
            return tx, ty
    placed.append((x + 4, y + 3, x + 4 + width, y + 11))
    return x + 4, y + 10


def _legend(c: Canvas, lines: Sequence[Line], x0: float, y0: float, columns: int, room: float):
    labelled = [ln for ln in lines if ln.label]
    if not labelled:
        return
    columns = max(1, min(columns, len(labelled)))
    col_width = room / columns
    for i, ln in enumerate(labelled):
        x = x0 + (i % columns) * col_width
        y = y0 + (i // columns) * 10
        c.line(x, y - 2.5, x + 14, y - 2.5, ln.colour, ln.width, "4,2" if ln.dashed else None)
        c.text(x + 18, y, ln.label, 7)


@dataclass(frozen=True)
class Bar:
    """One bar of a row, from ``start`` to ``end`` (data units); ``note`` at its far end."""

    start: float
    end: float
    colour: str
    hatched: bool = False
    note: str = ""


def bar_chart(
    rows: Sequence[tuple[str, Sequence[Bar]]],
    *,
    width_in: float,
    x_range: tuple[float, float],
    x_label: str = "",
    title: str = "",
    base: float | None = None,
    headings: Sequence[int] = (),
    row_height: float = 20.0,
) -> str:
    """Horizontal bars, one row per label (first row on top), a vertical line at ``base``.
    The rows at the indexes ``headings`` are bold headings over the rows below them, written
    from the left edge (they hold no bars)."""
    label_width = max(
        (text_width(label, 7) for i, (label, _) in enumerate(rows) if i not in headings),
        default=0.0,
    )
    width = width_in * PT_PER_INCH
    row_h = row_height
    top = 18 if title else 6
    bottom = 22 + (12 if x_label else 0)
    height = top + row_h * max(len(rows), 1) + bottom
    label_end = 8 + label_width  # row labels end here (right-aligned)
    left = label_end
    sx = Scale(x_range[0], x_range[1], left, width - 10)
    # a note written left of a bar's end must not run into the row labels: move the plot right
    # by what the widest such note lacks (twice, as moving it narrows the scale)
    for _ in range(2):
        lack = max(
            (label_end + 4 + text_width(b.note, 6) - (sx(b.end) - 3)
             for i, (_, bars) in enumerate(rows) if i not in headings
             for b in bars if b.note and b.end < b.start),
            default=0.0,
        )  # fmt: skip
        if lack <= 0:
            break
        left += lack + 1
        sx = Scale(x_range[0], x_range[1], left, width - 10)
    c = Canvas(width, height)
    axis_y = height - bottom
    for t in nice_ticks(*x_range):
        c.line(sx(t), top, sx(t), axis_y, GRID, 0.5)
        c.line(sx(t), axis_y, sx(t), axis_y + 3, AXIS, 0.6)
        c.text(sx(t), axis_y + 11, f"{t:g}", 7, "middle", AXIS)
    c.line(left, axis_y, width - 10, axis_y, AXIS, 0.6)
    for i, (label, bars) in enumerate(rows):
        mid = top + row_h * (i + 0.5)
        if i in headings:
            c.text(4, mid + 2.5, label, 7.5, bold=True)
            continue
        c.text(label_end - 4, mid + 2.5, label, 7, "end")
        for b in bars:
            x1, x2 = sorted((sx(b.start), sx(b.end)))
            c.rect(x1, mid - row_h * 0.3, max(x2 - x1, 0.3), row_h * 0.6, b.colour, b.hatched)
            if b.note:
                right = b.end >= b.start
                if right and sx(b.end) + 3 + text_width(b.note, 6) > width - 2:
                    # no room after the bar's end: the note is written inside it
                    c.text(sx(b.end) - 3, mid + 2.2, b.note, 6, "end", "#404040")
                    continue
                at = sx(b.end) + (3 if right else -3)
                c.text(at, mid + 2.2, b.note, 6, "start" if right else "end", "#404040")
    if base is not None:
        c.line(sx(base), top, sx(base), axis_y, INK, 0.8)
    if title:
        c.text(left, 11, title, 9)
    if x_label:
        half = text_width(x_label, 7.5) / 2  # centred under the plot, kept on the canvas
        centre = min(max((left + width - 10) / 2, half + 2), width - half - 2)
        c.text(centre, height - 4, x_label, 7.5, "middle")
    return c.svg(title or None)
