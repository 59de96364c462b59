"""The failover order per market comes from model/providers.yaml, validated with file:line."""

from __future__ import annotations

import shutil

import pytest

from screener.data.providers import DEFAULT_ORDER, load_failover, provider_order, resolve_chains
from screener.errors import ConfigError
from screener.paths import shipped


def test_the_shipped_file_is_the_documented_default():
    assert load_failover(shipped("model")) == DEFAULT_ORDER


def test_no_file_means_the_default(tmp_path):
    assert load_failover(tmp_path) == DEFAULT_ORDER


def test_a_workspace_file_changes_the_order(tmp_path):
    (tmp_path / "providers.yaml").write_text(
        "failover:\n  CN: [yfinance, akshare]\n  US: [yfinance]\n"
    )
    order = load_failover(tmp_path)
    assert provider_order("CN", order=order) == ["yfinance", "akshare"]
    assert provider_order("CN", order=order, override=["akshare"]) == ["akshare"]  # --provider
    chains, _ = resolve_chains(order=order)
    assert [p.name for p in chains["CN"]] == ["yfinance", "akshare"]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("failover:\n  CN: [akshare]\n  HK: [yfinance]\n", 3, "unknown market"),
        ("failover:\n  CN: [akshare]\n  US: [akshare]\n", 3, "'akshare' cannot serve US"),
        ("failover:\n  CN: [bloomberg]\n", 2, "'bloomberg' cannot serve CN"),
        ("failover:\n  CN: []\n", 2, "non-empty list"),
        ("failover:\n  CN: [akshare, akshare]\n", 2, "listed twice"),
        ("failover:\n  CN: akshare\n", 2, "non-empty list"),
        ("providers: [akshare]\n", 1, "'failover' mapping"),
    ],
)
def test_bad_files_name_file_line_and_key(tmp_path, text, line, words):
    path = tmp_path / "providers.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_failover(tmp_path)
    assert str(info.value).startswith(f"{path}:{line}:")
    assert words in str(info.value)


def test_data_update_refuses_a_bad_failover_file_before_fetching(tmp_path):
    from click.testing import CliRunner

    from screener.cli import main

    shutil.copytree(shipped("model"), tmp_path / "model")
    (tmp_path / "model" / "providers.yaml").write_text("failover:\n  US: [akshare]\n")
    result = CliRunner().invoke(
        main, ["--workspace", str(tmp_path), "data", "update", "--tickers", "NVDA"]
    )
    assert result.exit_code == 1
    assert "providers.yaml:2: failover.US: 'akshare' cannot serve US" in result.output
