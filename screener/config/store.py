"""The run's configuration: every workspace file, resolved and validated, parsed once.

:class:`Config` is what the rest of the package asks for a file's typed contents
(``settings.config.model``, ``.screen``, ``.briefing``, ``.texts("briefing", "zh")``...).
Each file resolves in the workspace first and falls back to the shipped default, file by
file (:meth:`screener.workspace.Workspace.file`), so a user who copies one file overrides
exactly that file. Results are memoised on the files' identity and modification time:
a run parses each file once, and a file edited during a session (a watchlist edit, a notebook)
is read again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .memo import clear, memo
from .model import FILES as MODEL_FILES
from .model import ModelConfig, load_model_files

T = TypeVar("T")

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..demand import ModelRun
    from ..watchlists.schema import Watchlist
    from ..workspace import Workspace
    from .briefing import BriefingConfig
    from .industry_map import IndustryMap
    from .names import NameTable
    from .providers import DataConfig
    from .screen import ScreenConfig

__all__ = ["Config", "clear", "memo"]


class Config:
    """The workspace's files as typed objects. Cheap to make; the parsing is memoised."""

    def __init__(self, workspace: Workspace, home: Path | None = None):
        self.workspace = workspace
        #: where validated objects are kept between processes (None: only in this process)
        self.disk = Path(home) / "config-cache" if home is not None else None
        #: where computed results are kept between processes (screener.kept)
        self.kept = Path(home) / "kept" if home is not None else None

    def _memo(self, kind: str, paths: Sequence[Path], build: Callable[[], T], *extra: Any) -> T:
        return memo(kind, paths, build, *extra, disk=self.disk)

    def model_file(self, name: str) -> Path:
        """``model/<name>`` in the workspace, else the shipped one."""
        return self.workspace.file("model", name)

    @property
    def model(self) -> ModelConfig:
        paths = {name: self.model_file(name) for name in MODEL_FILES}
        return self._memo("model", list(paths.values()), lambda: load_model_files(paths))

    def model_run(self, calibration: str | None = None, as_of: dt.date | None = None) -> ModelRun:
        """Every scenario of the model under ``calibration`` (default: the model's) as of
        ``as_of`` (default: today), run once for as long as the model's files are unchanged: a
        briefing's sections, its takeaways and its screen share one run per calibration and
        day. Treat the result as read-only."""
        from ..demand import run_model

        model = self.model
        name = model.check_calibration(calibration or model.default_calibration)
        day = as_of or dt.date.today()
        from .. import kept

        paths = [self.model_file(n) for n in MODEL_FILES]

        def compute() -> ModelRun:  # or an earlier process's run of the same model and code
            return kept.fetch(
                self.kept, lambda: run_model(model, name, as_of=day), "model-run", model, name, day
            )

        return memo("model-run", paths, compute, name, day)

    @property
    def screen(self) -> ScreenConfig:
        from .screen import load_screen_config

        path = self.model_file("screen.yaml")
        return self._memo("screen", [path], lambda: load_screen_config(path))

    @property
    def fx_table(self) -> pd.DataFrame:
        from .screen import load_fx_table

        path = self.model_file("fx.yaml")
        return self._memo("fx", [path], lambda: load_fx_table(path)).copy()

    @property
    def data(self) -> DataConfig:
        from .providers import load_data_config

        path = self.model_file("providers.yaml")
        return self._memo("data", [path], lambda: load_data_config(path))

    @property
    def industry_map(self) -> IndustryMap:
        from .industry_map import load_industry_map

        path = self.model_file("industry_map.yaml")
        segments = tuple(self.model.segments)
        return self._memo("imap", [path], lambda: load_industry_map(path, segments), segments)

    @property
    def briefing(self) -> BriefingConfig:
        from .briefing import load_briefing_config

        path = self.model_file("briefing.yaml")
        model = self.model
        key = tuple(model.calibrations)
        return self._memo("briefing", [path], lambda: load_briefing_config(path, model), key)

    @property
    def names_zh(self) -> NameTable:
        """Chinese names of US companies (``model/names_zh.yaml``)."""
        from .names import load_name_table

        path = self.model_file("names_zh.yaml")
        return self._memo("names_zh", [path], lambda: load_name_table(path))

    @property
    def segment_ids(self) -> set[str]:
        return set(self.model.segments)

    # -- texts ------------------------------------------------------------------------------

    def text_file(self, name: str, lang: str) -> Path:
        from .texts import check_lang, find_text_file

        return find_text_file(self.workspace.template_dirs, name, check_lang(lang))

    def texts(self, name: str, lang: str) -> dict[str, str]:
        """The flat fixed texts ``templates/i18n/<name>.<lang>.yaml`` (checked against English)."""
        from .texts import load_flat_texts

        ref, path = self.text_file(name, "en"), self.text_file(name, lang)
        return self._memo("texts", [ref, path], lambda: load_flat_texts(ref, path))

    def model_texts(self, lang: str) -> dict[str, dict[str, str]]:
        """The model section's sectioned texts (``templates/i18n/model.<lang>.yaml``)."""
        from .texts import load_model_texts

        ref, path = self.text_file("model", "en"), self.text_file("model", lang)
        return self._memo("model-texts", [ref, path], lambda: load_model_texts(ref, path))

    # -- watchlists ---------------------------------------------------------------------------

    def watchlist(self, path: Path) -> Watchlist:
        """The watchlist file at ``path``, validated against the model's segments."""
        from ..watchlists.schema import load_watchlist

        segments = frozenset(self.model.segments)
        build = lambda: load_watchlist(path, set(segments))  # noqa: E731
        return self._memo("watchlist", [path], build, segments)

    def watchlists(self) -> list[Watchlist]:
        """Every watchlist of the workspace, in file-name order."""
        from ..watchlists.schema import watchlist_paths

        return [self.watchlist(p) for p in watchlist_paths(self.workspace.watchlists_dir)]
