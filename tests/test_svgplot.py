"""The hand-built SVG charts: valid, escaped, deterministic, and laid out within the canvas."""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET

import pytest

from screener.report.svgplot import (
    Bar,
    Line,
    Mark,
    bar_chart,
    line_chart,
    log_ticks,
    nice_ticks,
    superscript_power,
    text_width,
)

NS = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # well-formed XML, or this raises
    return ["".join(node.itertext()) for node in root.iter(f"{NS}text")]


def test_ticks_are_round_and_cover_the_range():
    assert nice_ticks(0, 100) == [0, 20, 40, 60, 80, 100]
    for lo, hi in ((-12.5, 47.0), (0.3, 0.9), (-250.0, -3.0), (3.86, 7.9)):
        ticks = nice_ticks(lo, hi)
        steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
        assert len(ticks) >= 3 and len(steps) == 1 and all(lo <= t <= hi for t in ticks)
        step = steps.pop()
        assert round(step / 10 ** math.floor(math.log10(step)), 9) in (1, 2, 2.5, 5)
    assert nice_ticks(2023.2, 2031.5, 8) == [2024, 2026, 2028, 2030]
    assert log_ticks(3e4, 2e11) == [10.0**k for k in range(4, 13)]
    assert superscript_power(1e12) == "10¹²" and superscript_power(1e-3) == "10⁻³"


def test_wide_characters_count_double():
    assert text_width("算力", 10) == 20 and text_width("ab", 10) == pytest.approx(12)


def test_user_text_is_escaped_and_the_chart_is_deterministic():
    lines = [Line("<b>A & B</b>", [0, 1, 2], [0.0, 5.0, -3.0], "#123456")]
    kw = dict(width_in=4, height_in=2, x_ticks=[(1, "mid")], y_format=lambda v: f"{v:g}%")
    svg = line_chart(lines, title='T "1" <x>', watermark="DEMO DATA", zero_line=True, **kw)
    shown = texts(svg)
    assert "<b>A & B</b>" in shown and 'T "1" <x>' in shown and "DEMO DATA" in shown
    assert "mid" in shown and "0%" in shown
    assert svg == line_chart(lines, title='T "1" <x>', watermark="DEMO DATA", zero_line=True, **kw)


def test_every_point_and_label_lies_on_the_canvas():
    lines = [
        Line("up", [2024.0, 2030.0], [1e4, 1e12], "#000"),
        Line("nan", [1.0], [float("nan")], "#111"),
    ]
    svg = line_chart(lines, width_in=5, height_in=3, x_ticks=[(2026.0, "2026")],
                     y_format=superscript_power, y_log=True, y_range=(1e3, 1e13),
                     marks=[Mark(2027.0, 1e8, "#f00", "3.9 y\n2027-01")],
                     x_label="year", y_label="kWh/day")  # fmt: skip
    root = ET.fromstring(svg)
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    for node in root.iter():
        for attr in ("x", "x1", "x2", "cx"):
            if node.get(attr) is not None:
                assert 0 <= float(node.get(attr)) <= width, (node.tag, attr)
        for attr in ("y", "y1", "y2", "cy"):
            if node.get(attr) is not None:
                assert 0 <= float(node.get(attr)) <= height, (node.tag, attr)
    assert "3.9 y2027-01" in texts(svg)  # a two-line note, as two spans


def test_notes_of_nearby_marks_do_not_overlap():
    """Two crossovers half a year apart printed '2026-05' over '2026-11' (paths chart)."""
    marks = [Mark(2026.3, 5e8, "#0a0", "2026-05"), Mark(2026.5, 5.4e8, "#00a", "2026-11")]
    svg = line_chart([Line("a", [2025.0, 2030.0], [2e8, 3e9], "#000")], width_in=7.2,
                     height_in=3, x_ticks=[], y_format=superscript_power, y_log=True,
                     y_range=(7e7, 3e10), marks=marks)  # fmt: skip
    root = ET.fromstring(svg)
    boxes = []
    for node in root.iter(f"{NS}text"):
        label = "".join(node.itertext())
        if label in ("2026-05", "2026-11"):
            x, y = float(node.get("x")), float(node.get("y"))
            boxes.append((x, y - 7, x + text_width(label, 6.5), y + 1))
    assert len(boxes) == 2
    (a0, a1, a2, a3), (b0, b1, b2, b3) = boxes
    assert not (a0 < b2 and b0 < a2 and a1 < b3 and b1 < a3)


def test_bars_run_from_their_start_and_beyond_the_horizon_is_hatched():
    rows = [("first", [Bar(3.0, 1.0, "#00f", note="low"), Bar(3.0, 9.0, "#f00", True, "far")])]
    svg = bar_chart(rows, width_in=5, x_range=(0.0, 10.0), x_label="years", title="t", base=3.0)
    root = ET.fromstring(svg)
    rects = [r for r in root.iter(f"{NS}rect") if r.get("stroke")]
    assert len(rects) == 2 and rects[1].get("fill") == "url(#hatch)"
    assert root.find(f"{NS}defs") is not None
    assert {"first", "low", "far", "years", "t"} <= set(texts(svg))


def test_a_note_left_of_a_bar_never_runs_into_the_row_labels():
    """A tornado bar that ends near the axis's low end writes its value to the left of its end;
    the plot moves right so that value keeps clear of the right-aligned row label (the briefing's
    hashrate + fleet efficiency + PUE bar wrote 'low' over its own label)."""
    label = "Bitcoin network hashrate + Mining fleet efficiency + Mining PUE"
    rows = [(label, [Bar(1.9, 0.05, "#1f77b4", note="all low"), Bar(1.9, 3.0, "#ff7f0e")])]
    svg = bar_chart(rows, width_in=7.2, x_range=(0.0, 20.0))
    root = ET.fromstring(svg)
    nodes = {"".join(n.itertext()): n for n in root.iter(f"{NS}text")}
    label_end = float(nodes[label].get("x"))  # anchored at its end
    note = nodes["all low"]
    assert note.get("text-anchor") == "end"
    note_start = float(note.get("x")) - text_width("all low", 6)
    assert note_start >= label_end + 2, (note_start, label_end)
