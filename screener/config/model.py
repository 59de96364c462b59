"""The model files (``model/``): the compute-demand model's inputs, scenarios, calibrations,
segments and the dated anchors the backtest compares paths with.

Files (all YAML, read with ruamel.yaml's round-trip loader so every key keeps its line):

- ``assumptions.yaml``: ``defaults`` (scenario, calibration), ``monte_carlo`` (draws, seed),
  ``plausibility`` (bounds the outputs are checked against) and ``inputs``, each input a mapping
  of label, value, unit, range, source, note and, when it is uncertain, ``low``/``high`` (its own
  range, with the source of that range) and a ``distribution``;
- ``scenarios.yaml`` and ``calibrations.yaml``: named overlays, each with a label, a
  description, an optional ``extends`` and a ``set`` mapping of input -> {value, source, note,
  low, high}; a calibration also states its ``base_date`` (month zero of its paths) and may set
  values per scenario (``scenarios: {optimistic: {set: ...}}``);
- ``segments.yaml``: the industry segments, each driven by a flow with optional value inputs;
- ``anchors.yaml``: realised, sourced and dated figures (:mod:`screener.model_backtest`).

Resolution order for one scenario under one calibration: the base inputs, the scenario's
overlays (root of its ``extends`` chain first), the calibration's ``set`` and then the
calibration's own values for that scenario. A value set by an overlay without ``low``/``high``
is fixed (not drawn in the Monte Carlo, not in the tornado).

Validation runs in two passes: pydantic checks shapes, types, units and hard limits (a share
is at most 1, a count at least 1); then ranges and references (scenario names, ``extends``,
segment inputs) are checked across files. Every failure is a :class:`ConfigError` whose first
line reads ``path:line: key: problem``. The numbers live in the files; this module only knows
which inputs exist, their units and what kind of number each is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import names
from ..errors import ScenarioError
from .loader import problem, raise_problems, read_yaml, validate
from .model_catalogue import (  # noqa: F401 (the catalogue is read through this module)
    _NON_NUMERIC,
    ANCHOR_QUANTITIES,
    BTC_METHODS,
    DISTRIBUTIONS,
    DRIVERS,
    FILES,
    INPUT_SPECS,
    MAX_MAGNITUDE,
    MAX_RATE,
    METHODS,
    InputSpec,
    is_numeric,
)

if TYPE_CHECKING:
    from pydantic import BaseModel


# --- the loaded model -----------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    """One input as resolved for a scenario and calibration, with where its value came from.

    ``low``/``high`` (with ``distribution``) are its own uncertainty range; ``None`` when the
    value is fixed. ``group`` names inputs that move together in the tornado (collinear ones).
    """

    key: str
    label: str
    value: float | str
    unit: str
    source: str
    note: str
    range: tuple[float, float] | None
    #: ``base``, ``scenario <name>``, ``calibration <name>`` or ``calibration <name>/<scenario>``
    layer: str = "base"
    low: float | None = None
    high: float | None = None
    distribution: str = "triangular"
    range_source: str = ""
    group: str | None = None

    @property
    def uncertain(self) -> bool:
        return self.low is not None and self.high is not None and self.low < self.high


@dataclass(frozen=True)
class OverlayValue:
    value: float | str
    source: str
    note: str
    low: float | None = None
    high: float | None = None
    distribution: str | None = None
    range_source: str = ""


@dataclass(frozen=True)
class Overlay:
    """A named scenario or calibration: input values applied over the base.

    Calibrations also carry ``base_date`` (month zero of their paths), its source, the
    ``definition`` of what is compared, and values per scenario (``per_scenario``)."""

    name: str
    label_en: str
    label_zh: str
    description: str
    extends: str | None
    values: dict[str, OverlayValue]
    base_date: str | None = None
    base_date_source: str = ""
    definition: str = ""
    per_scenario: dict[str, dict[str, OverlayValue]] = field(default_factory=dict)
    #: whether `screener model backtest` holds this calibration against the anchors
    backtest: bool = False


@dataclass(frozen=True)
class Segment:
    id: str
    en: str
    zh: str
    driver: str
    unit: str
    per_driver: str | None
    per_driver_growth: str | None
    note: str = ""


@dataclass(frozen=True)
class AnchorPoint:
    year: int | None
    date: str | None
    value: float
    source: str
    note: str

    @property
    def label(self) -> str:
        return str(self.year) if self.year is not None else str(self.date)


@dataclass(frozen=True)
class AnchorSeries:
    id: str
    label_en: str
    label_zh: str
    unit: str
    model: str
    note: str
    points: tuple[AnchorPoint, ...]
    #: the segment id, when ``model`` is ``segment`` (its value per year)
    segment: str | None = None


@dataclass(frozen=True)
class ModelConfig:
    """Everything in ``model/``, validated. Resolve a scenario and calibration to get numbers."""

    #: file name -> the path it was read from (the workspace's copy, or the shipped one)
    paths: dict[str, Path]
    inputs: dict[str, Input]
    scenarios: dict[str, Overlay]
    calibrations: dict[str, Overlay]
    segments: dict[str, Segment]
    default_scenario: str
    default_calibration: str
    monte_carlo_draws: int = 2000
    monte_carlo_seed: int = 0
    max_segment_growth_per_year: float = 1.5
    max_accelerators_vs_shipments: float = 3.0
    anchors: dict[str, AnchorSeries] = field(default_factory=dict)

    def check_scenario(self, name: str) -> str:
        """The scenario ``name`` means (any case, ``-`` for ``_``), else :class:`ScenarioError`
        listing the known ones and the nearest."""
        found = names.match(name, self.scenarios)
        if found is None:
            raise ScenarioError(
                f"unknown scenario {name!r}{names.did_you_mean(name, self.scenarios)}; "
                f"{self.paths['scenarios.yaml']} defines: " + ", ".join(self.scenarios)
            )
        return found

    def check_calibration(self, name: str) -> str:
        """The calibration ``name`` means (any case, ``-`` for ``_``), else
        :class:`ScenarioError` listing the known ones and the nearest."""
        found = names.match(name, self.calibrations)
        if found is None:
            raise ScenarioError(
                f"unknown calibration {name!r}{names.did_you_mean(name, self.calibrations)}; "
                f"{self.paths['calibrations.yaml']} defines: " + ", ".join(self.calibrations)
            )
        return found

    def base_date(self, calibration: str) -> str:
        """Month zero of ``calibration``'s paths (its own, else the calibration it extends)."""
        for step in reversed(overlay_chain(self.calibrations, self.check_calibration(calibration))):
            date = self.calibrations[step].base_date
            if date is not None:
                return date
        raise ScenarioError(f"calibration {calibration!r} states no base_date")  # pragma: no cover

    def resolve(self, scenario: str, calibration: str | None) -> dict[str, Input]:
        """Every input after the scenario's and then the calibration's overlays (``None``: the
        scenario as written, no calibration)."""
        scenario = self.check_scenario(scenario)  # any case: `Neutral` is neutral
        out = dict(self.inputs)
        for step in overlay_chain(self.scenarios, scenario):
            _apply(out, self.scenarios[step].values, f"scenario {step}")
        if calibration is not None:
            calibration = self.check_calibration(calibration)
            for step in overlay_chain(self.calibrations, calibration):
                cal = self.calibrations[step]
                _apply(out, cal.values, f"calibration {step}")
                _apply(out, cal.per_scenario.get(scenario, {}), f"calibration {step}/{scenario}")
        return out

    def values(self, scenario: str, calibration: str) -> dict[str, float | str]:
        """The resolved input values alone, by name."""
        return {k: inp.value for k, inp in self.resolve(scenario, calibration).items()}


def _apply(out: dict[str, Input], values: dict[str, OverlayValue], layer: str) -> None:
    for key, ov in values.items():
        old = out[key]
        out[key] = Input(
            key, old.label, ov.value, old.unit, ov.source, ov.note or old.note, old.range, layer,
            low=ov.low, high=ov.high, distribution=ov.distribution or old.distribution,
            range_source=ov.range_source, group=old.group,
        )  # fmt: skip


def overlay_chain(overlays: dict[str, Overlay], name: str) -> list[str]:
    """``name`` and what it extends, root first (cycles are refused when loading)."""
    chain: list[str] = []
    current: str | None = name
    while current is not None and current not in chain:
        chain.append(current)
        current = overlays[current].extends
    return chain[::-1]


# --- reading ---------------------------------------------------------------------------------

#: every key of the files' shapes, for "did you mean" on an unknown key
_KNOWN_KEYS = (
    *INPUT_SPECS, "defaults", "inputs", "scenarios", "calibrations", "segments", "anchors",
    "monte_carlo", "plausibility",
)  # fmt: skip
_MISSING_HINT = "a model folder holds " + ", ".join(FILES) + " (copy the shipped model/ folder)"


def load_model(model_dir: Path | str) -> ModelConfig:
    """Read and validate the model files in ``model_dir``: :class:`ConfigError` (file, line,
    key) on any problem. A run reads them through :class:`screener.config.Config` instead,
    which resolves each file in the workspace and parses it once."""
    return load_model_files({name: Path(model_dir) / name for name in FILES})


def load_model_files(paths: Mapping[str, Path]) -> ModelConfig:
    """Read and validate the model from ``paths`` (file name -> path, one per :data:`FILES`)."""
    from . import model_schema as s  # the pydantic shapes: built only when files are parsed

    paths = dict(paths)
    docs = {name: read_yaml(path, hint=_MISSING_HINT) for name, path in paths.items()}

    def check(name: str, schema: type[BaseModel]) -> Any:
        return validate(paths[name], docs[name], schema, known_keys=_KNOWN_KEYS)

    assumptions = check("assumptions.yaml", s.AssumptionsFile)
    scenarios = check("scenarios.yaml", s.ScenariosFile)
    calibrations = check("calibrations.yaml", s.CalibrationsFile)
    segments = check("segments.yaml", s.SegmentsFile)
    anchors = check("anchors.yaml", s.AnchorsFile)
    plausibility = assumptions.plausibility
    config = ModelConfig(
        paths=paths,
        inputs=_inputs(assumptions),
        scenarios=_overlays(scenarios.scenarios),
        calibrations=_overlays(calibrations.calibrations),
        segments=_segments_of(segments),
        default_scenario=assumptions.defaults.scenario,
        default_calibration=assumptions.defaults.calibration,
        monte_carlo_draws=assumptions.monte_carlo.draws,
        monte_carlo_seed=assumptions.monte_carlo.seed,
        max_segment_growth_per_year=plausibility.segment_growth_max_per_year,
        max_accelerators_vs_shipments=plausibility.accelerators_vs_shipments_max_multiple,
        anchors=_anchors_of(anchors),
    )
    raise_problems(_cross_checks(config, paths, docs))
    return config


def _inputs(parsed: Any) -> dict[str, Input]:
    out = {}
    for key in INPUT_SPECS:
        e = getattr(parsed.inputs, key)
        rng = getattr(e, "range", None)
        out[key] = Input(
            key, e.label, e.value, e.unit, e.source, e.note, rng,
            low=getattr(e, "low", None), high=getattr(e, "high", None),
            distribution=getattr(e, "distribution", None) or "triangular",
            range_source=getattr(e, "range_source", ""), group=getattr(e, "group", None),
        )  # fmt: skip
    return out


def _overlay_values(parsed_set: Any) -> dict[str, OverlayValue]:
    return {
        key: OverlayValue(
            e.value,
            e.source,
            e.note,
            getattr(e, "low", None),
            getattr(e, "high", None),
            getattr(e, "distribution", None),
            getattr(e, "range_source", ""),
        )
        for key in INPUT_SPECS
        if (e := getattr(parsed_set, key)) is not None
    }


def _overlays(parsed: dict[str, Any]) -> dict[str, Overlay]:
    out = {}
    for name, ov in parsed.items():
        per_scenario = {s: _overlay_values(v.set) for s, v in getattr(ov, "scenarios", {}).items()}
        out[name] = Overlay(
            name, ov.label.en, ov.label.zh, ov.description, ov.extends, _overlay_values(ov.set),
            base_date=getattr(ov, "base_date", None),
            base_date_source=getattr(ov, "base_date_source", ""),
            definition=getattr(ov, "definition", ""), per_scenario=per_scenario,
            backtest=getattr(ov, "backtest", False),
        )  # fmt: skip
    return out


def _segments_of(parsed: Any) -> dict[str, Segment]:
    return {
        sid: Segment(sid, s.en, s.zh, s.driver, s.unit, s.per_driver, s.per_driver_growth, s.note)
        for sid, s in parsed.segments.items()
    }


def _anchors_of(parsed: Any) -> dict[str, AnchorSeries]:
    return {
        aid: AnchorSeries(
            aid,
            a.label.en,
            a.label.zh,
            a.unit,
            a.model,
            a.note,
            tuple(AnchorPoint(p.year, p.date, p.value, p.source, p.note) for p in a.points),
            a.segment,
        )
        for aid, a in parsed.anchors.items()
    }


def _cross_checks(
    config: ModelConfig, paths: Mapping[str, Path], docs: dict[str, Any]
) -> list[str]:
    """Ranges and references, across files."""
    return [
        *_range_problems(config, paths, docs),
        *_reference_problems(config, paths, docs),
        *_segment_problems(config, paths["segments.yaml"], docs["segments.yaml"]),
        *_anchor_problems(config, paths["anchors.yaml"], docs["anchors.yaml"]),
    ]


def _outside(value: float, rng: tuple[float, float]) -> bool:
    return not rng[0] <= value <= rng[1]


def _range_text(inp: Input, value: float) -> str:
    assert inp.range is not None
    return (
        f"{value:g} {inp.unit} is outside the plausible range [{inp.range[0]:g}, "
        f"{inp.range[1]:g}] stated in assumptions.yaml; fix the value, or widen `range` "
        "if you mean it"
    )


def _uncertainty_problems(
    inp: Input, value: Any, low: Any, high: Any, dist: str | None
) -> list[tuple[str, str]]:
    """(field, message) for a bad ``low``/``high``/``distribution`` beside ``value``."""
    if low is None and high is None:
        return [("distribution", "needs `low` and `high`")] if dist is not None else []
    if low is None or high is None:
        return [("low" if low is None else "high", "`low` and `high` come together")]
    out = []
    if not low <= value <= high:
        message = f"the value {value:g} must lie within [low, high] = [{low:g}, {high:g}]"
        out.append(("low", message))
    for name, bound in (("low", low), ("high", high)):
        if inp.range is not None and _outside(float(bound), inp.range):
            out.append((name, _range_text(inp, bound)))
    if dist == "loguniform" and low <= 0:
        out.append(("distribution", "loguniform needs low > 0"))
    return out


def _range_problems(
    config: ModelConfig, paths: Mapping[str, Path], docs: dict[str, Any]
) -> list[str]:
    out = []
    a_path, a_doc = paths["assumptions.yaml"], docs["assumptions.yaml"]
    for key, inp in config.inputs.items():
        if inp.range is None:
            continue
        if inp.range[0] > inp.range[1]:
            out.append(problem(a_path, a_doc, ("inputs", key, "range"), "low end above high end"))
        elif _outside(value := float(inp.value), inp.range):
            out.append(problem(a_path, a_doc, ("inputs", key, "value"), _range_text(inp, value)))
        for fld, msg in _uncertainty_problems(inp, inp.value, inp.low, inp.high, None):
            out.append(problem(a_path, a_doc, ("inputs", key, fld), msg))
    for file, top, overlays in _overlay_files(config):
        for name, ov in overlays.items():
            sets: list[tuple[tuple[str, ...], dict[str, Any]]] = [(("set",), ov.values)]
            sets += [(("scenarios", s, "set"), v) for s, v in ov.per_scenario.items()]
            for where, values in sets:
                for key, entry in values.items():
                    inp = config.inputs[key]
                    loc = (top, name, *where, key)
                    if inp.range is not None and _outside(value := float(entry.value), inp.range):
                        msg = _range_text(inp, value)
                        out.append(problem(paths[file], docs[file], (*loc, "value"), msg))
                    if not is_numeric(key):
                        continue
                    checks = _uncertainty_problems(
                        inp, entry.value, entry.low, entry.high, entry.distribution
                    )
                    for fld, msg in checks:
                        out.append(problem(paths[file], docs[file], (*loc, fld), msg))
    return out


def _overlay_files(config: ModelConfig) -> list[tuple[str, str, dict[str, Overlay]]]:
    return [
        ("scenarios.yaml", "scenarios", config.scenarios),
        ("calibrations.yaml", "calibrations", config.calibrations),
    ]


def _reference_problems(
    config: ModelConfig, paths: Mapping[str, Path], docs: dict[str, Any]
) -> list[str]:
    out = []
    a_path, a_doc = paths["assumptions.yaml"], docs["assumptions.yaml"]
    for field_name, known in (("scenario", config.scenarios), ("calibration", config.calibrations)):
        name = getattr(config, f"default_{field_name}")
        if name not in known:
            loc: tuple[str, ...] = ("defaults", field_name)
            out.append(problem(a_path, a_doc, loc, _unknown(field_name, name, known)))
    for file, top, overlays in _overlay_files(config):
        for name, ov in overlays.items():
            loc = (top, name, "extends")
            if ov.extends is not None and ov.extends not in overlays:
                message = _unknown(top[:-1], ov.extends, overlays)
                out.append(problem(paths[file], docs[file], loc, message))
            elif ov.extends is not None and _cycles(overlays, name):
                out.append(problem(paths[file], docs[file], loc, "`extends` forms a cycle"))
            for scenario in ov.per_scenario:
                if scenario not in config.scenarios:
                    loc = (top, name, "scenarios", scenario)
                    message = _unknown("scenario", scenario, config.scenarios)
                    out.append(problem(paths[file], docs[file], loc, message))
    return out


def _unknown(kind: str, name: str, known: dict[str, Any]) -> str:
    return f"unknown {kind} {name!r}; known: {', '.join(known)}"


def _cycles(overlays: dict[str, Overlay], name: str) -> bool:
    seen: set[str] = set()
    current: str | None = name
    while current is not None and current in overlays:
        if current in seen:
            return True
        seen.add(current)
        current = overlays[current].extends
    return False


#: the unit a segment's trend input must have
_TREND_UNIT = "1/year"


def _segment_problems(config: ModelConfig, path: Path, doc: Any) -> list[str]:
    out = []
    for sid, seg in config.segments.items():
        for fld in ("per_driver", "per_driver_growth"):
            key = getattr(seg, fld)
            if key is None:
                continue
            if key not in INPUT_SPECS or not is_numeric(key):
                message = f"{key!r} is not a numeric input in assumptions.yaml"
                out.append(problem(path, doc, ("segments", sid, fld), message))
            elif fld == "per_driver_growth" and INPUT_SPECS[key].unit != _TREND_UNIT:
                message = f"{key!r} is in {INPUT_SPECS[key].unit}; a trend is in {_TREND_UNIT}"
                out.append(problem(path, doc, ("segments", sid, fld), message))
    return out


def _anchor_problems(config: ModelConfig, path: Path, doc: Any) -> list[str]:
    out = []
    for aid, series in config.anchors.items():
        if (series.model == "segment") != (series.segment is not None):
            message = "`segment` names a segment exactly when `model` is `segment`"
            out.append(problem(path, doc, ("anchors", aid, "model"), message))
        elif series.segment is not None and series.segment not in config.segments:
            message = _unknown("segment", series.segment, config.segments)
            out.append(problem(path, doc, ("anchors", aid, "segment"), message))
        for i, point in enumerate(series.points):
            if (point.year is None) == (point.date is None):
                loc = ("anchors", aid, "points", i)
                out.append(problem(path, doc, loc, "give either `year` (a calendar-year total) "
                                   "or `date` (a rate at that month), not both"))  # fmt: skip
    return out
