"""A revenue share in one segment, with where it comes from: the one form watchlists
(``watchlists/*.yaml``) and the industry map's per-ticker rows (``model/industry_map.yaml``)
write a segment mix in.

Two spellings, both hand-editable::

    segments: {optical: 0.85}                 # short: an unsourced estimate (flagged)
    segments:
      optical:                                # long: the share with its source
        share: 0.92
        as_of: 2025H1                         # the fiscal period it describes
        estimated: true                       # false only when the company discloses it
        source: Innolight 2025 interim report, optical modules 97.6% of revenue; DC part ours
        ref: https://...                      # optional: where it was read

A share is the fraction of the company's total revenue that sits in the segment *and* is
driven by AI demand (not the whole business line). The short form means "estimated, no
source"; the long form needs ``source`` and ``as_of``, and ``estimated`` defaults to true
(say ``false`` only for a split the company itself discloses).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_serializer,
    model_validator,
)

_SLACK = 1e-9


#: the short-form shares built so far, one frozen object per value: a 10,000-member list
#: writes the same few numbers 20,000 times (building each took two thirds of its validation)
_SHORT_SHARES: dict[tuple[type, float], Share] = {}
_SHORT_SHARES_MAX = 4096


class Share(BaseModel):
    """One segment's revenue share (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    share: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
    source: str | None = None
    as_of: str | None = None
    estimated: bool = True
    ref: str | None = None
    _short: bool = PrivateAttr(default=False)

    @model_validator(mode="wrap")
    @classmethod
    def _two_forms(cls, data: Any, handler):
        if isinstance(data, int | float) and not isinstance(data, bool):
            key = (type(data), data)
            known = _SHORT_SHARES.get(key) if data != 0 else None  # (0.0 and -0.0: equal keys)
            if known is not None:
                return known
            if not 0.0 <= data <= 1.0:
                raise ValueError(f"share {data:g} is outside [0, 1]")
            share = handler({"share": data})
            share._short = True
            if len(_SHORT_SHARES) < _SHORT_SHARES_MAX:
                _SHORT_SHARES[key] = share
            return share
        if isinstance(data, Mapping):
            missing = [k for k in ("source", "as_of") if data.get(k) in (None, "")]
            if "share" in data and missing:
                raise ValueError(
                    f"a share written as a mapping needs {' and '.join(missing)}; write the "
                    "bare number (e.g. optical: 0.85) for an unsourced estimate"
                )
            return handler(data)
        raise ValueError(
            "give a revenue share 0-1 (optical: 0.85) or {share: .., source: .., as_of: ..}"
        )

    @field_validator("as_of", mode="before")
    @classmethod
    def _period(cls, value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("source")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return " ".join(value.split()) if value else value

    @model_serializer(mode="wrap")
    def _dump(self, handler):
        return self.share if self._short else handler(self)

    @property
    def sourced(self) -> bool:
        """Written in the long form, with a source and period."""
        return not self._short


def check_sum(mix: Mapping[str, Share]) -> Mapping[str, Share]:
    """Refuse a mix whose shares sum to more than 1 (the rest is ``other``)."""
    total = sum(s.share for s in mix.values())
    if total > 1.0 + _SLACK:
        raise ValueError(f"segment weights sum to {total:.3f}; they must sum to at most 1")
    return mix


def weights(mix: Mapping[str, Share] | None) -> dict[str, float] | None:
    """``{segment: share}``; None for an unknown mix."""
    return None if mix is None else {seg: s.share for seg, s in mix.items()}


def estimated(mix: Mapping[str, Share] | None) -> bool:
    """Whether any share of the mix is an estimate (every short-form share is); an unknown
    mix counts as estimated."""
    return mix is None or any(s.estimated for s in mix.values())


def largest_estimated(mix: Mapping[str, Share] | None) -> tuple[str, float] | None:
    """The largest estimated share of the mix as ``(segment, share)``, if any."""
    shares = [(seg, s.share) for seg, s in (mix or {}).items() if s.estimated and s.share > 0]
    return max(shares, key=lambda item: item[1]) if shares else None


def share_text(segment: str, share: Share) -> str:
    """``optical 0.92 (2025H1, estimated: Innolight 2025 interim report ...)``; a short-form
    share reads ``optical 0.85 (estimated, no source)``."""
    if not share.sourced:
        return f"{segment} {share.share:.2f} (estimated, no source)"
    kind = "estimated" if share.estimated else "disclosed"
    return f"{segment} {share.share:.2f} ({share.as_of}, {kind}: {share.source})"


def sources_text(mix: Mapping[str, Share] | None) -> str:
    """Every share with its period and source, ``; ``-separated (``unknown`` for no mix)."""
    if mix is None:
        return "unknown"
    return "; ".join(share_text(seg, s) for seg, s in mix.items() if s.share > 0)


__all__ = [
    "Share",
    "check_sum",
    "estimated",
    "largest_estimated",
    "share_text",
    "sources_text",
    "weights",
]
