"""The independent floors the benchmarks compare ``screener`` with, each run as its own process.

``duckdb PARQUET WINDOWS_JSON [--out FILE]``
    DuckDB reading the Parquet copy of the bars and computing the screen's seven market
    metrics for every ticker, as screener.metrics defines them: 1-week, 1-month, 3-month and
    YTD total returns (from the last bar on or before each window's start), annualised 3-month
    volatility (sample standard deviation of daily log returns from that base bar, x sqrt(252),
    at least 20 returns), 1-year maximum drawdown (from the base bar on or before as-of minus a
    year), and the 20-day average traded value (``amount``, else ``close * volume``; at least 20
    bars). Results are fetched into Python; ``--out`` also writes them as JSON (the benchmark
    checks them against the screen's own numbers once, untimed).

``weasyprint HTML BASE_DIR OUT_PDF``
    WeasyPrint alone rendering an HTML file to PDF (the briefing's own HTML, written by
    ``screener brief --html``), with the briefing's template folder as base URL.

Imports nothing from screener: the floors are what the same work costs without it.
"""

from __future__ import annotations

import json
import sys

METRICS_SQL = """
WITH b AS (
  SELECT ticker, date, close * adj_factor AS p, COALESCE(amount, close * volume) AS v
  FROM read_parquet($parquet)
  WHERE date BETWEEN $lo AND $asof AND close * adj_factor > 0
),
k AS (
  SELECT ticker, count(*) AS n, arg_max(p, date) AS p_end,
    arg_max(p, date) FILTER (WHERE date <= $d1w) AS p1w,
    arg_max(p, date) FILTER (WHERE date <= $d1m) AS p1m,
    arg_max(p, date) FILTER (WHERE date <= $d3m) AS p3m,
    arg_max(p, date) FILTER (WHERE date <= $dytd) AS pytd,
    max(date) FILTER (WHERE date <= $d3m) AS b3m,
    max(date) FILTER (WHERE date <= $d1y) AS b1y
  FROM b GROUP BY ticker
),
vol AS (
  SELECT ticker, stddev_samp(ln(p / prev)) * sqrt(252) AS vol_3m, count(*) AS m
  FROM (SELECT ticker, date, p, lag(p) OVER (PARTITION BY ticker ORDER BY date) AS prev FROM b)
  JOIN k USING (ticker)
  WHERE date > b3m AND prev IS NOT NULL
  GROUP BY ticker
),
dd AS (
  SELECT ticker, min(p / peak) - 1 AS max_dd_1y
  FROM (
    SELECT ticker, p, max(p) OVER (PARTITION BY ticker ORDER BY date
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS peak
    FROM b JOIN k USING (ticker) WHERE date >= b1y
  )
  GROUP BY ticker
),
adv AS (
  SELECT ticker, avg(v) AS adv_20d
  FROM (SELECT ticker, v, row_number() OVER (PARTITION BY ticker ORDER BY date DESC) AS r FROM b)
  WHERE r <= 20 GROUP BY ticker
)
SELECT k.ticker,
  p_end / p1w - 1 AS ret_1w, p_end / p1m - 1 AS ret_1m, p_end / p3m - 1 AS ret_3m,
  p_end / pytd - 1 AS ret_ytd,
  CASE WHEN m >= 20 THEN vol_3m END AS vol_3m,
  max_dd_1y,
  CASE WHEN n >= 20 THEN adv_20d END AS adv_20d
FROM k LEFT JOIN vol USING (ticker) LEFT JOIN dd USING (ticker) LEFT JOIN adv USING (ticker)
ORDER BY k.ticker
"""

METRIC_NAMES = ("ret_1w", "ret_1m", "ret_3m", "ret_ytd", "vol_3m", "max_dd_1y", "adv_20d")


def duckdb_metrics(parquet: str, windows: dict[str, str], out: str | None) -> int:
    import duckdb

    conn = duckdb.connect()
    conn.execute("SET threads = 2")
    import datetime as dt

    params = {"parquet": parquet, **{k: dt.date.fromisoformat(v) for k, v in windows.items()}}
    rows = conn.execute(METRICS_SQL, params).fetchall()
    if out:
        with open(out, "w") as fh:
            json.dump({r[0]: dict(zip(METRIC_NAMES, r[1:], strict=True)) for r in rows}, fh)
    return len(rows)


def weasyprint_render(html: str, base_dir: str, out_pdf: str) -> int:
    import weasyprint

    document = weasyprint.HTML(filename=html, base_url=base_dir.rstrip("/") + "/").render()
    document.write_pdf(out_pdf)
    return len(document.pages)


def main(argv: list[str]) -> int:
    kind, *rest = argv
    if kind == "duckdb":
        out = rest[rest.index("--out") + 1] if "--out" in rest else None
        duckdb_metrics(rest[0], json.loads(rest[1]), out)
    elif kind == "weasyprint":
        weasyprint_render(*rest)
    else:
        raise SystemExit(f"unknown floor {kind!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
