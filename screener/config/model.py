"""Loading and validating ``model/``: the compute-demand model's inputs, scenarios, calibrations
and segments.

Files (all YAML, read with ruamel.yaml's round-trip loader so every key keeps its line):

- ``assumptions.yaml``: ``defaults`` (scenario, calibration) and ``inputs``, each input a
  mapping of label, value, unit, range, source and note;
- ``scenarios.yaml`` and ``calibrations.yaml``: named overlays, each with a label, a
  description, an optional ``extends`` and a ``set`` mapping of input -> {value, source, note};
- ``segments.yaml``: the industry segments, each with a driver and optional ratio inputs.

Validation runs in two passes: pydantic checks shapes, types, units and hard limits (a share
is at most 1, a count at least 1); then ranges and references (scenario names, ``extends``,
segment ratios) are checked across files. Every failure is a :class:`ConfigError` whose first
line reads ``path:line: key: problem``. The numbers live in the files; this module only knows
which inputs exist, their units and what kind of number each is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from .. import names
from ..errors import ScenarioError
from .loader import problem, raise_problems, read_yaml, validate

FILES = ("assumptions.yaml", "scenarios.yaml", "calibrations.yaml", "segments.yaml")
METHODS = ("tokens", "fleet")
DRIVERS = ("new_accelerators", "cloud_electricity", "edge_inference", "queries", "tokens")


@dataclass(frozen=True)
class InputSpec:
    """What the engine expects of one input: its unit, the kind of number, its role.

    ``group`` is ``settings`` (run settings), ``crossover`` (moves the crossover; varied in the
    sensitivity analysis unless ``vary`` is false) or ``segments`` (segment demand only).
    """

    unit: str
    kind: str
    group: str = "crossover"
    vary: bool = True


def _crossover(unit: str, kind: str, vary: bool = True) -> InputSpec:
    return InputSpec(unit, kind, "crossover", vary)


def _segments(unit: str, kind: str) -> InputSpec:
    return InputSpec(unit, kind, "segments", False)


#: every input the engine reads, by name; names carry their units (STYLE.md 9)
INPUT_SPECS: dict[str, InputSpec] = {
    "report_date": InputSpec("YYYY-MM", "month", "settings", False),
    "horizon_months": InputSpec("months", "whole", "settings", False),
    "sensitivity_step_fraction": InputSpec("fraction", "positive_fraction", "settings", False),
    "btc_hashrate_eh_s": _crossover("EH/s", "positive"),
    "btc_fleet_efficiency_j_per_th": _crossover("J/TH", "positive"),
    "btc_pue": _crossover("ratio", "pue"),
    "btc_growth_per_year": _crossover("1/year", "rate"),
    "aigc_baseline_method": _crossover("method", "method", vary=False),
    "aigc_visits_per_day": _crossover("visits/day", "positive"),
    "aigc_tokens_per_visit": _crossover("tokens/visit", "positive"),
    "aigc_flops_per_param_per_token": _crossover("FLOP/parameter/token", "positive", vary=False),
    "aigc_model_parameters": _crossover("parameters", "positive"),
    "aigc_gpu_peak_flop_s": _crossover("FLOP/s", "positive"),
    "aigc_gpu_utilisation": _crossover("fraction", "positive_fraction"),
    "aigc_watts_per_gpu": _crossover("W", "positive"),
    "aigc_pue": _crossover("ratio", "pue"),
    "aigc_training_run_mwh": _crossover("MWh", "nonneg"),
    "aigc_training_amortisation_days": _crossover("days", "positive"),
    "aigc_fleet_servers": _crossover("servers", "positive"),
    "aigc_fleet_kw_per_server": _crossover("kW", "positive"),
    "aigc_fleet_load_factor": _crossover("fraction", "positive_fraction"),
    "dau_target_users_per_day": _crossover("users/day", "positive"),
    "models_count": _crossover("models", "count"),
    "parameter_doubling_months": _crossover("months", "positive"),
    "dau_ramp_months": _crossover("months", "nonneg"),
    "models_entry_months": _crossover("months", "nonneg"),
    "hardware_efficiency_gain_per_year": _crossover("1/year", "rate"),
    "training_extra_growth_per_year": _crossover("1/year", "rate"),
    "edge_share_today": _crossover("fraction", "fraction"),
    "edge_share_target": _crossover("fraction", "fraction"),
    "edge_ramp_months": _crossover("months", "nonneg"),
    "accelerator_service_life_years": _segments("years", "positive"),
    "optical_modules_per_accelerator": _segments("modules/accelerator", "nonneg"),
    "optical_modules_per_accelerator_target": _segments("modules/accelerator", "nonneg"),
    "switches_per_accelerator": _segments("switches/accelerator", "nonneg"),
    "switches_per_accelerator_target": _segments("switches/accelerator", "nonneg"),
    "servers_idc_value_per_accelerator_value": _segments("ratio", "positive"),
    "segment_mix_ramp_months": _segments("months", "nonneg"),
}

_MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
#: no quantity the model uses comes near this in its unit (the largest, FLOP/s, is ~1e17):
#: a hard limit, so products of inputs stay far inside floating point (1e308)
MAX_MAGNITUDE = 1e20
#: a growth rate above 10,000% per period is a typo, and compounding it overflows
MAX_RATE = 100.0
#: the pydantic type of each kind of value: hard limits only; plausible ranges live in the files
_VALUE_TYPES: dict[str, Any] = {
    "whole": Annotated[int, Field(strict=True, ge=1, le=10**15)],
    "positive": Annotated[float, Field(strict=True, gt=0, le=MAX_MAGNITUDE, allow_inf_nan=False)],
    "nonneg": Annotated[float, Field(strict=True, ge=0, le=MAX_MAGNITUDE, allow_inf_nan=False)],
    "fraction": Annotated[float, Field(strict=True, ge=0, le=1)],
    "positive_fraction": Annotated[float, Field(strict=True, gt=0, le=1)],
    "rate": Annotated[float, Field(strict=True, gt=-1, le=MAX_RATE, allow_inf_nan=False)],
    "pue": Annotated[float, Field(strict=True, ge=1, le=MAX_MAGNITUDE, allow_inf_nan=False)],
    "count": Annotated[float, Field(strict=True, ge=1, le=MAX_MAGNITUDE, allow_inf_nan=False)],
    "month": Annotated[str, StringConstraints(strict=True, pattern=_MONTH_PATTERN)],
    "method": Literal[METHODS],
}
_NON_NUMERIC = ("month", "method")


def is_numeric(key: str) -> bool:
    """Whether input ``key`` holds a number (as opposed to a month or a method name)."""
    return INPUT_SPECS[key].kind not in _NON_NUMERIC


# --- pydantic models of the files' shapes ------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Strict):
    en: str
    zh: str


class Defaults(_Strict):
    scenario: str
    calibration: str


def _input_model(key: str, spec: InputSpec) -> type[BaseModel]:
    """The shape of one input in assumptions.yaml: its unit is the one its name promises."""
    value_type = _VALUE_TYPES[spec.kind]
    fields: dict[str, Any] = {
        "label": (str, ...),
        "value": (value_type, ...),
        "unit": (Literal[spec.unit], ...),
        "source": (str, ...),
        "note": (str, ""),
    }
    if spec.kind not in _NON_NUMERIC:
        # a type chosen at run time from the spec: mypy sees a variable, not a type
        fields["range"] = (tuple[value_type, value_type], ...)  # type: ignore[valid-type]
    return create_model(f"Input_{key}", __base__=_Strict, **fields)


def _overlay_value_model(key: str, spec: InputSpec) -> type[BaseModel]:
    """The shape of one overlay entry: a value with its own source; the unit is optional."""
    fields: dict[str, Any] = {
        "value": (_VALUE_TYPES[spec.kind], ...),
        "source": (str, ...),
        "note": (str, ""),
        "unit": (Literal[spec.unit] | None, None),
    }
    return create_model(f"Overlay_{key}", __base__=_Strict, **fields)


_input_fields: dict[str, Any] = {
    key: (_input_model(key, spec), ...) for key, spec in INPUT_SPECS.items()
}
_Inputs = create_model("Inputs", __base__=_Strict, **_input_fields)
_overlay_fields: dict[str, Any] = {
    key: (_overlay_value_model(key, spec) | None, None) for key, spec in INPUT_SPECS.items()
}
_OverlaySet = create_model("OverlaySet", __base__=_Strict, **_overlay_fields)


class _AssumptionsFile(_Strict):
    defaults: Defaults
    inputs: _Inputs


class _OverlayModel(_Strict):
    label: Label
    description: str
    extends: str | None = None
    set: _OverlaySet = Field(default_factory=_OverlaySet)


class _ScenariosFile(_Strict):
    scenarios: dict[str, _OverlayModel] = Field(min_length=1)


class _CalibrationsFile(_Strict):
    calibrations: dict[str, _OverlayModel] = Field(min_length=1)


class _SegmentModel(_Strict):
    en: str
    zh: str
    # Literal[("a", "b")] is Literal["a", "b"] at run time; mypy wants the names spelt out
    driver: Literal[DRIVERS]  # type: ignore[valid-type]
    unit: str
    per_driver: str | None = None
    per_driver_target: str | None = None
    note: str = ""


class _SegmentsFile(_Strict):
    segments: dict[str, _SegmentModel] = Field(min_length=1)


# --- the loaded model -----------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    """One input as resolved for a scenario and calibration, with where its value came from."""

    key: str
    label: str
    value: float | str
    unit: str
    source: str
    note: str
    range: tuple[float, float] | None
    #: ``base``, ``scenario <name>`` or ``calibration <name>``
    layer: str = "base"


@dataclass(frozen=True)
class OverlayValue:
    value: float | str
    source: str
    note: str


@dataclass(frozen=True)
class Overlay:
    """A named scenario or calibration: input values applied over the base."""

    name: str
    label_en: str
    label_zh: str
    description: str
    extends: str | None
    values: dict[str, OverlayValue]


@dataclass(frozen=True)
class Segment:
    id: str
    en: str
    zh: str
    driver: str
    unit: str
    per_driver: str | None
    per_driver_target: str | None


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

    def resolve(self, scenario: str, calibration: str | None) -> dict[str, Input]:
        """Every input after the scenario's and then the calibration's overlays (``None``: the
        scenario as written, no calibration)."""
        scenario = self.check_scenario(scenario)  # any case: `Neutral` is neutral
        layers = [("scenario", self.scenarios, scenario)]
        if calibration is not None:
            calibration = self.check_calibration(calibration)
            layers.append(("calibration", self.calibrations, calibration))
        out = dict(self.inputs)
        for kind, overlays, name in layers:
            for step in overlay_chain(overlays, name):
                for key, ov in overlays[step].values.items():
                    old = out[key]
                    out[key] = Input(
                        key,
                        old.label,
                        ov.value,
                        old.unit,
                        ov.source,
                        ov.note or old.note,
                        old.range,
                        f"{kind} {step}",
                    )
        return out

    def values(self, scenario: str, calibration: str) -> dict[str, float | str]:
        """The resolved input values alone, by name."""
        return {k: inp.value for k, inp in self.resolve(scenario, calibration).items()}


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
_KNOWN_KEYS = (*INPUT_SPECS, "defaults", "inputs", "scenarios", "calibrations", "segments")
_MISSING_HINT = "a model folder holds " + ", ".join(FILES) + " (copy the shipped model/ folder)"


def load_model(model_dir: Path | str) -> ModelConfig:
    """Read and validate the model files in ``model_dir``: :class:`ConfigError` (file, line,
    key) on any problem. A run reads them through :class:`screener.config.Config` instead,
    which resolves each file in the workspace and parses it once."""
    return load_model_files({name: Path(model_dir) / name for name in FILES})


def load_model_files(paths: Mapping[str, Path]) -> ModelConfig:
    """Read and validate the model from ``paths`` (file name -> path, one per :data:`FILES`)."""
    docs = {name: read_yaml(path, hint=_MISSING_HINT) for name, path in paths.items()}

    def check(name: str, schema: type[BaseModel]) -> Any:
        return validate(paths[name], docs[name], schema, known_keys=_KNOWN_KEYS)

    assumptions = check("assumptions.yaml", _AssumptionsFile)
    scenarios = check("scenarios.yaml", _ScenariosFile)
    calibrations = check("calibrations.yaml", _CalibrationsFile)
    segments = check("segments.yaml", _SegmentsFile)
    config = ModelConfig(
        paths=dict(paths),
        inputs=_inputs(assumptions),
        scenarios=_overlays(scenarios.scenarios),
        calibrations=_overlays(calibrations.calibrations),
        segments=_segments_of(segments),
        default_scenario=assumptions.defaults.scenario,
        default_calibration=assumptions.defaults.calibration,
    )
    raise_problems(_cross_checks(config, paths, docs))
    return config


def _inputs(parsed: Any) -> dict[str, Input]:
    out = {}
    for key in INPUT_SPECS:
        entry = getattr(parsed.inputs, key)
        rng = getattr(entry, "range", None)
        out[key] = Input(key, entry.label, entry.value, entry.unit, entry.source, entry.note, rng)
    return out


def _overlays(parsed: dict[str, Any]) -> dict[str, Overlay]:
    out = {}
    for name, ov in parsed.items():
        values = {
            key: OverlayValue(entry.value, entry.source, entry.note)
            for key in INPUT_SPECS
            if (entry := getattr(ov.set, key)) is not None
        }
        out[name] = Overlay(name, ov.label.en, ov.label.zh, ov.description, ov.extends, values)
    return out


def _segments_of(parsed: Any) -> dict[str, Segment]:
    return {
        sid: Segment(sid, s.en, s.zh, s.driver, s.unit, s.per_driver, s.per_driver_target)
        for sid, s in parsed.segments.items()
    }


def _cross_checks(
    config: ModelConfig, paths: Mapping[str, Path], docs: dict[str, Any]
) -> list[str]:
    """Ranges and references, across files."""
    return [
        *_range_problems(config, paths, docs),
        *_reference_problems(config, paths, docs),
        *_segment_problems(config, paths["segments.yaml"], docs["segments.yaml"]),
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
    for file, top, overlays in _overlay_files(config):
        for name, ov in overlays.items():
            for key, entry in ov.values.items():
                inp = config.inputs[key]
                if inp.range is not None and _outside(value := float(entry.value), inp.range):
                    loc = (top, name, "set", key, "value")
                    out.append(problem(paths[file], docs[file], loc, _range_text(inp, value)))
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
    for field, known in (("scenario", config.scenarios), ("calibration", config.calibrations)):
        name = getattr(config, f"default_{field}")
        if name not in known:
            out.append(problem(a_path, a_doc, ("defaults", field), _unknown(field, name, known)))
    for file, top, overlays in _overlay_files(config):
        for name, ov in overlays.items():
            loc = (top, name, "extends")
            if ov.extends is not None and ov.extends not in overlays:
                message = _unknown(top[:-1], ov.extends, overlays)
                out.append(problem(paths[file], docs[file], loc, message))
            elif ov.extends is not None and _cycles(overlays, name):
                out.append(problem(paths[file], docs[file], loc, "`extends` forms a cycle"))
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


def _segment_problems(config: ModelConfig, path: Path, doc: Any) -> list[str]:
    out = []
    for sid, seg in config.segments.items():
        for field in ("per_driver", "per_driver_target"):
            key = getattr(seg, field)
            if key is not None and (key not in INPUT_SPECS or not is_numeric(key)):
                message = f"{key!r} is not a numeric input in assumptions.yaml"
                out.append(problem(path, doc, ("segments", sid, field), message))
        if seg.per_driver_target is not None and seg.per_driver is None:
            message = "a target ratio needs `per_driver` (today's ratio) too"
            out.append(problem(path, doc, ("segments", sid, "per_driver_target"), message))
    return out
