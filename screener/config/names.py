"""``model/names_zh.yaml``: the Chinese names of US companies, for the Chinese edition.

A-share names come from the watchlists and the market data; this table fills the gap for US
names (英伟达, 微软, 台积电 ...). A name it lacks is shown in its English form.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from .loader import problem, raise_problems, read_yaml, validate


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Entry(_Strict):
    zh: Annotated[str, Field(min_length=1)]
    en: Annotated[str, Field(min_length=1)]
    alt: list[str] = Field(default_factory=list)
    latin: bool = False


class _NamesFile(_Strict):
    companies: dict[str, _Entry] = Field(default_factory=dict)


@dataclass(frozen=True)
class CompanyName:
    ticker: str
    zh: str
    en: str
    #: the Chinese press uses the Latin name (Meta, ServiceNow): a proper name, not English text
    latin: bool = False


@dataclass(frozen=True)
class NameTable:
    path: Path
    companies: dict[str, CompanyName]

    def zh(self, ticker: str) -> str | None:
        entry = self.companies.get(ticker)
        return entry.zh if entry else None


def load_name_table(path: Path | str) -> NameTable:
    """Read and validate ``names_zh.yaml``: every key a ticker the ticker master reads (written
    in its canonical form, so a lookup by canonical ticker finds it)."""
    from ..errors import TickerError
    from ..tickers import normalize_ticker  # the ticker master; imported late

    path = Path(path)
    doc = read_yaml(path)
    parsed = validate(path, doc, _NamesFile)
    problems, companies = [], {}
    for raw, entry in parsed.companies.items():
        try:
            ticker = normalize_ticker(raw, prefer="stock")
        except TickerError as exc:
            problems.append(problem(path, doc, ("companies", raw), str(exc).splitlines()[0]))
            continue
        if ticker != raw:
            msg = f"write the ticker as {ticker!r}"
            problems.append(problem(path, doc, ("companies", raw), msg))
            continue
        companies[ticker] = CompanyName(ticker, entry.zh, entry.en, entry.latin)
    raise_problems(problems)
    return NameTable(path, companies)
