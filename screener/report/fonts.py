"""Finding the CJK font the briefing and its charts need."""

from __future__ import annotations

import logging
import shutil
import subprocess
from functools import lru_cache

from ..errors import RenderError

log = logging.getLogger(__name__)

CJK_FAMILY = "Noto Sans CJK SC"
INSTALL_HINT = (
    "install a CJK font: `apt-get install fonts-noto-cjk` (or run `make sysdeps`), "
    f"or any font that fontconfig knows as '{CJK_FAMILY}'"
)


@lru_cache(maxsize=1)
def cjk_font_file() -> str:
    """The file of the CJK font fontconfig resolves for ``Noto Sans CJK SC``.

    Raises :class:`RenderError` with the install hint when fontconfig finds none.
    """
    if shutil.which("fc-match") is None:
        raise RenderError(f"fontconfig's fc-match is missing; {INSTALL_HINT}")
    result = subprocess.run(
        ["fc-match", "-f", "%{family}\t%{file}", f"{CJK_FAMILY}:lang=zh-cn"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    family, _, path = result.stdout.partition("\t")
    if result.returncode != 0 or CJK_FAMILY not in family or not path:
        raise RenderError(
            f"no CJK font found (fontconfig offers {family or 'nothing'!r}); {INSTALL_HINT}"
        )
    return path


@lru_cache(maxsize=1)
def configure_matplotlib() -> str:
    """Register the CJK font with matplotlib for Chinese labels; returns its family name."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import font_manager, rcParams

    path = cjk_font_file()
    font_manager.fontManager.addfont(path)  # a .ttc registers every face in it
    names = {f.name for f in font_manager.fontManager.ttflist}
    # the SC face by name: face 0 of Noto's collection is the Japanese one
    name = CJK_FAMILY if CJK_FAMILY in names else font_manager.FontProperties(fname=path).get_name()
    rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
    rcParams["font.family"] = "sans-serif"
    rcParams["axes.unicode_minus"] = False
    rcParams["svg.fonttype"] = "path"  # glyphs as outlines: the PDF needs no chart font
    rcParams["svg.hashsalt"] = "screener"  # stable ids: same inputs give the same SVG
    return name
