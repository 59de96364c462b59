"""The pydantic shapes of the model files (:mod:`screener.config.model`): one model per input
and per overlay entry, built from the input catalogue. Imported only when the files are parsed
(a cache miss in :mod:`screener.config.memo`): building these ~150 classes took about a third
of a second, which a briefing served from the config cache no longer pays.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from .model_catalogue import (
    _MONTH_PATTERN,
    _NON_NUMERIC,
    ANCHOR_QUANTITIES,
    BTC_METHODS,
    DISTRIBUTIONS,
    DRIVERS,
    INPUT_SPECS,
    MAX_MAGNITUDE,
    MAX_RATE,
    METHODS,
    InputSpec,
)  # fmt: skip

Month = Annotated[str, StringConstraints(strict=True, pattern=_MONTH_PATTERN)]
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
    "month": Month,
    "method": Literal[METHODS],
    "btc_method": Literal[BTC_METHODS],
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Strict):
    en: str
    zh: str


class Defaults(_Strict):
    scenario: str
    calibration: str


class MonteCarlo(_Strict):
    """How the bands are drawn: ``draws`` (at least 2,000) and the ``seed``."""

    draws: Annotated[int, Field(strict=True, ge=2000, le=200_000)]
    seed: Annotated[int, Field(strict=True, ge=0)]


class Plausibility(_Strict):
    """Bounds the outputs are checked against (tests and the output's flags)."""

    segment_growth_max_per_year: Annotated[float, Field(strict=True, gt=0)]
    accelerators_vs_shipments_max_multiple: Annotated[float, Field(strict=True, gt=1)]


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
        fields.update(_uncertainty_fields(value_type))
        fields["group"] = (str | None, None)
    return create_model(f"Input_{key}", __base__=_Strict, **fields)


def _uncertainty_fields(value_type: Any) -> dict[str, Any]:
    return {
        "low": (value_type | None, None),
        "high": (value_type | None, None),
        "distribution": (Literal[DISTRIBUTIONS] | None, None),
        "range_source": (str, ""),
    }


def _overlay_value_model(key: str, spec: InputSpec) -> type[BaseModel]:
    """The shape of one overlay entry: a value with its own source; the unit is optional."""
    value_type = _VALUE_TYPES[spec.kind]
    fields: dict[str, Any] = {
        "value": (value_type, ...),
        "source": (str, ...),
        "note": (str, ""),
        "unit": (Literal[spec.unit] | None, None),
    }
    if spec.kind not in _NON_NUMERIC:
        fields.update(_uncertainty_fields(value_type))
    return create_model(f"Overlay_{key}", __base__=_Strict, **fields)


_input_fields: dict[str, Any] = {
    key: (_input_model(key, spec), ...) for key, spec in INPUT_SPECS.items()
}
_Inputs = create_model("Inputs", __base__=_Strict, **_input_fields)
_overlay_fields: dict[str, Any] = {
    key: (_overlay_value_model(key, spec) | None, None) for key, spec in INPUT_SPECS.items()
}
_OverlaySet = create_model("OverlaySet", __base__=_Strict, **_overlay_fields)


class AssumptionsFile(_Strict):
    defaults: Defaults
    monte_carlo: MonteCarlo
    plausibility: Plausibility
    inputs: _Inputs


class _OverlayModel(_Strict):
    label: Label
    description: str
    extends: str | None = None
    set: _OverlaySet = Field(default_factory=_OverlaySet)


class _ScenarioSet(_Strict):
    set: _OverlaySet = Field(default_factory=_OverlaySet)


class _CalibrationModel(_OverlayModel):
    base_date: Month
    base_date_source: str
    definition: str = ""
    backtest: bool = False
    scenarios: dict[str, _ScenarioSet] = Field(default_factory=dict)


class ScenariosFile(_Strict):
    scenarios: dict[str, _OverlayModel] = Field(min_length=1)


class CalibrationsFile(_Strict):
    calibrations: dict[str, _CalibrationModel] = Field(min_length=1)


class _SegmentModel(_Strict):
    en: str
    zh: str
    # Literal[("a", "b")] is Literal["a", "b"] at run time; mypy wants the names spelt out
    driver: Literal[DRIVERS]  # type: ignore[valid-type]
    unit: str
    per_driver: str | None = None
    per_driver_growth: str | None = None
    note: str = ""


class SegmentsFile(_Strict):
    segments: dict[str, _SegmentModel] = Field(min_length=1)


class _AnchorPoint(_Strict):
    """One realised figure: a calendar-year total (``year``) or a rate at a month (``date``)."""

    year: Annotated[int, Field(strict=True, ge=2000, le=2100)] | None = None
    date: Month | None = None
    value: Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]
    source: Annotated[str, StringConstraints(min_length=1)]
    note: str = ""


class _AnchorSeries(_Strict):
    label: Label
    unit: str
    model: Literal[ANCHOR_QUANTITIES]  # type: ignore[valid-type]
    segment: str | None = None
    note: str = ""
    points: list[_AnchorPoint] = Field(min_length=1)


class AnchorsFile(_Strict):
    anchors: dict[str, _AnchorSeries] = Field(min_length=1)
