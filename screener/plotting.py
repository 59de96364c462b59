"""Plotting helpers for notebooks: ``screener.plotting.use_cjk_font()`` makes matplotlib draw
Chinese names (A-share names, watchlist titles) instead of empty boxes."""

from __future__ import annotations


def use_cjk_font() -> str:
    """Register the CJK font the briefing uses (fontconfig's ``Noto Sans CJK SC``) with
    matplotlib, put it first in ``font.sans-serif`` and return its family name.

    Raises :class:`screener.errors.RenderError` saying what to install when there is none.
    """
    from matplotlib import font_manager, rcParams

    from .report.fonts import CJK_FAMILY, cjk_font_file

    path = cjk_font_file()
    font_manager.fontManager.addfont(path)  # a .ttc registers every face in it
    names = {f.name for f in font_manager.fontManager.ttflist}
    # the SC face by name: face 0 of Noto's collection is the Japanese one
    name = CJK_FAMILY if CJK_FAMILY in names else font_manager.FontProperties(fname=path).get_name()
    rest = [f for f in rcParams["font.sans-serif"] if f != name]
    rcParams["font.sans-serif"] = [name, *rest]
    rcParams["font.family"] = "sans-serif"
    rcParams["axes.unicode_minus"] = False  # the CJK fonts lack U+2212
    return name
