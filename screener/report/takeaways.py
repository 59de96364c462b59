"""The briefing's key takeaways and risks, written from the numbers.

The model's figures come from the house calibration (``model/screen.yaml``'s, the one the
screen and the model section use: quoted) and the other calibrations ``model/briefing.yaml``
lists (compared with it), and every scenario of the model, by their labels: no calibration or
scenario is named here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..config.model import ModelConfig
from ..settings import Settings
from .formats import fmt_number, fmt_pct, fmt_years


@dataclass(frozen=True)
class CalibrationNumbers:
    """What the takeaways and risks quote of one calibration, as of the briefing's day."""

    name: str
    label: str
    aigc_kwh_per_day: float
    horizon_years: float
    #: scenario id -> crossover in years from the calibration's base date (None: not within)
    years: dict[str, float | None]
    base_date: str = ""
    #: scenario id -> the crossover's month (None: not within the horizon, or above at base)
    dates: dict[str, str | None] = field(default_factory=dict)
    #: scenario id -> passed, ahead, never or already_above (relative to the as-of day)
    statuses: dict[str, str] = field(default_factory=dict)
    #: scenario id -> years from the as-of day to the crossover (negative: passed)
    from_as_of: dict[str, float | None] = field(default_factory=dict)


def model_numbers(settings: Settings, lang: str) -> list[CalibrationNumbers]:
    """Each calibration the note shows: its base date, AIGC electricity there, and each
    scenario's crossover read against the briefing's as-of day."""
    config: ModelConfig = settings.config.model
    out = []
    # quoted first: the house calibration, as the model section and the screen use it
    house = settings.config.screen.calibration or config.default_calibration
    shown = [house, *(c for c in settings.config.briefing.calibrations if c != house)]
    for name in shown:
        run = settings.config.model_run(name, settings.as_of)
        first = next(iter(run.scenarios.values()))
        crossings = {s: r.crossover for s, r in run.scenarios.items()}
        out.append(
            CalibrationNumbers(
                name=name,
                label=getattr(config.calibrations[name], f"label_{lang}"),
                aigc_kwh_per_day=run.aigc_today.total_kwh_per_day,
                horizon_years=first.inputs.horizon_months / 12,
                years={s: c.years for s, c in crossings.items()},
                base_date=run.base_date,
                dates={s: c.date for s, c in crossings.items()},
                statuses={s: c.status for s, c in crossings.items()},
                from_as_of={s: c.years_from_as_of for s, c in crossings.items()},
            )
        )
    return out


def crossover_when(m: CalibrationNumbers, scenario: str, t: Mapping[str, str]) -> str:
    """A scenario's crossover as a dated phrase relative to the as-of day (``2026-11
    (passed)``, ``2028-10 (in 1.9 y)``, ``not within 20 y``)."""
    status = m.statuses.get(scenario, "never")
    if status == "passed":
        return t["crossover_when_passed"].format(date=m.dates[scenario])
    if status == "ahead":
        years = f"{m.from_as_of[scenario]:.1f}"
        return t["crossover_when_ahead"].format(date=m.dates[scenario], years=years)
    if status == "already_above":
        return t["crossover_when_already"].format(base=m.base_date)
    return t["crossover_when_never"].format(horizon=f"{m.horizon_years:.0f}")


def _scenario_label(config: ModelConfig, name: str, lang: str) -> str:
    return getattr(config.scenarios[name], f"label_{lang}")


def takeaways(
    tables: list[dict],
    benchmarks: list[dict],
    chart_benchmarks: Sequence[str],
    numbers: list[CalibrationNumbers],
    config: ModelConfig,
    formats: Mapping[str, str],
    changes: list,
    gaps: list,
    t: Mapping[str, str],
    leaders: dict | None = None,
) -> list[str]:
    """Key takeaways, generated from the numbers: movers, the model, exposure leaders,
    changes, gaps."""
    lang = "zh" if t["lang_html"].startswith("zh") else "en"
    bench = {b["ticker"]: b for b in benchmarks}
    quoted = [bench[tk] for tk in chart_benchmarks if tk in bench]
    lines = []
    for table in tables:
        against = t["item_join"].join(
            t["benchmark_item"].format(name=b["label"], ret=fmt_pct(b["ret_1w"], t["na"]))
            for b in quoted
        )
        lines.append(
            t["takeaway_watchlist"].format(
                list=table["title_zh"] if lang == "zh" else table["title_en"],
                ret_1w=fmt_pct(table["average"]["ret_1w"], t["na"]),
                ret_ytd=fmt_pct(table["average"]["ret_ytd"], t["na"]),
                benchmarks=against,
            )
        )
    rows = [r for table in tables for r in table["rows"] if r["ret_1w"] == r["ret_1w"]]
    if rows:
        best = max(rows, key=lambda r: r["ret_1w"])
        worst = min(rows, key=lambda r: r["ret_1w"])
        for key, r in (("takeaway_best", best), ("takeaway_worst", worst)):
            lines.append(
                t[key].format(
                    name=r["name_zh"], ticker=r["ticker"], ret=fmt_pct(r["ret_1w"], t["na"])
                )
            )
    if numbers:
        m = numbers[0]
        crossovers = t["item_join"].join(
            t["crossover_item"].format(
                years=fmt_years(years, m.horizon_years, formats),
                when=crossover_when(m, s, t),
                scenario=_scenario_label(config, s, lang),
            )
            for s, years in m.years.items()
        )
        lines.append(
            t["takeaway_model"].format(calibration=m.label, base=m.base_date, crossovers=crossovers)
        )
    if leaders and leaders["names"]:
        lines.append(
            t["takeaway_exposure"].format(
                scenario=leaders["scenario"],
                calibration=leaders["calibration"],
                names=", ".join(leaders["names"]),
            )
        )
    lines.append(
        t["takeaway_changes"].format(count=len(changes)) if changes else t["takeaway_no_changes"]
    )
    if gaps:
        lines.append(t["takeaway_gaps"].format(count=len({g["ticker"] for g in gaps})))
    return lines


def risks(
    numbers: list[CalibrationNumbers],
    config: ModelConfig,
    formats: Mapping[str, str],
    t: Mapping[str, str],
) -> list[str]:
    """The report's two risks, then the ones the model flags: how far the calibrations the note
    compares disagree, and how far apart the scenarios' crossovers are."""
    lang = "zh" if t["lang_html"].startswith("zh") else "en"
    out = [t["risk_report_1"], t["risk_report_2"]]
    if not numbers:
        return out
    first = numbers[0]
    h = first.horizon_years
    scenario = config.default_scenario
    if len(numbers) > 1:
        second = numbers[1]
        out.append(
            t["risk_baseline"].format(
                first=first.label,
                first_aigc=fmt_number(first.aigc_kwh_per_day),  # as the model table
                first_years=fmt_years(first.years.get(scenario), h, formats),
                first_when=crossover_when(first, scenario, t),
                first_base=first.base_date,
                second=second.label,
                second_aigc=fmt_number(second.aigc_kwh_per_day),
                second_years=fmt_years(second.years.get(scenario), second.horizon_years, formats),
                second_when=crossover_when(second, scenario, t),
                second_base=second.base_date,
                scenario=_scenario_label(config, scenario, lang),
            )
        )
    timed = {s: y for s, y in first.years.items()}
    if len(timed) > 1:
        order = sorted(timed, key=lambda s: float("inf") if (y := timed[s]) is None else y)
        earliest, latest = order[0], order[-1]
        out.append(
            t["risk_spread"].format(
                earliest=_scenario_label(config, earliest, lang),
                earliest_years=fmt_years(timed[earliest], h, formats),
                earliest_when=crossover_when(first, earliest, t),
                latest=_scenario_label(config, latest, lang),
                latest_years=fmt_years(timed[latest], h, formats),
                latest_when=crossover_when(first, latest, t),
            )
        )
    return out
