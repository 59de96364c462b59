"""Watchlist loading: the shipped defaults, and validation errors that name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from screener.config import load_model
from screener.errors import WatchlistError
from screener.paths import shipped
from screener.settings import Settings
from screener.watchlists import load_all, load_watchlist
from screener.workspace import Workspace

SEGMENTS = {
    "accelerators",
    "optical",
    "networking",
    "servers",
    "edge",
    "power",
    "applications",
    "content",
    "memory",
    "foundry",
    "cloud",
}

GOOD = """\
# a comment a person wrote
name: {name}
title: {{zh: 测试, en: Test}}
side: compute
members:
  - ticker: "300308"
    name_zh: 中际旭创
    name_en: Zhongji Innolight
    segments: {{optical: 0.9}}
    mix_source: estimate
    thesis: Optical modules
    added: 2023-03-19
  - ticker: NVDA
    name_zh: 英伟达
    name_en: NVIDIA
    segments: {{accelerators: 0.75, networking: 0.13}}
    mix_source: estimate
    thesis: GPUs
    added: 2023-03-19
"""


def write(tmp_path: Path, text: str, name: str = "test") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_watchlists_hold_every_report_pick():
    lists = {
        wl.name: wl for wl in load_all(Settings(workspace=Workspace(shipped("watchlists").parent)))
    }
    compute = set(lists["compute"].tickers)
    application = set(lists["application"].tickers)
    assert {
        "NVDA",
        "MSFT",
        "688256.SH",
        "300394.SZ",
        "300570.SZ",
        "301165.SZ",
        "000063.SZ",
        "000938.SZ",
        "002881.SZ",
        "300502.SZ",
        "300308.SZ",
    } <= compute
    assert application == {
        "002230.SZ",
        "300459.SZ",
        "300624.SZ",
        "300364.SZ",
        "300418.SZ",
        "000681.SZ",
        "300785.SZ",
    }
    ours = [m for m in lists["compute"].members if m.added_by == "us"]
    assert 2 <= len(ours) <= 3 and all("chiplet" in m.tags for m in ours)


def test_shipped_members_are_complete_sourced_and_sum_to_at_most_one():
    kinds = {"disclosed", "disclosed_line_mapped", "estimate"}
    for wl in load_all(Settings(workspace=Workspace(shipped("watchlists").parent))):
        for m in wl.members:
            assert m.name_zh and m.name_en and m.thesis and m.thesis_zh and m.mix_note
            assert m.mix_source in kinds, m.ticker
            assert 0 < sum(m.weights.values()) <= 1.0
            assert set(m.segments) <= SEGMENTS
            # every share says its period and source; a disclosed mix has a disclosed share
            assert all(s.sourced and s.as_of and s.source for s in m.segments.values())
            if m.mix_source == "disclosed":
                assert any(not s.estimated for s in m.segments.values()), m.ticker


def test_the_long_form_carries_source_and_period_and_the_short_form_is_an_estimate(tmp_path):
    text = GOOD.format(name="test").replace(
        "segments: {optical: 0.9}",
        "segments:\n      optical:\n        share: 0.92\n        as_of: 2025\n"
        "        estimated: false\n        source: interim report\n      edge: 0.01",
    )
    wl = load_watchlist(write(tmp_path, text), SEGMENTS)
    first, second = wl.members
    assert first.weights == {"optical": 0.92, "edge": 0.01}
    assert first.segments["optical"].as_of == "2025" and not first.segments["optical"].estimated
    assert first.segments["optical"].sourced and not first.segments["edge"].sourced
    assert first.mix_estimated  # the short-form edge share is an estimate
    assert second.mix_estimated and second.thesis_zh == ""
    # the dump keeps each form: history and edits compare members by it
    dumped = first.model_dump(mode="json")["segments"]
    assert dumped["edge"] == 0.01 and dumped["optical"]["source"] == "interim report"


def test_an_unknown_mix_is_null_not_zero(tmp_path):
    text = GOOD.format(name="test").replace("segments: {optical: 0.9}", "segments: null")
    wl = load_watchlist(write(tmp_path, text), SEGMENTS)
    member = wl.members[0]
    assert member.segments is None and member.weights is None and not member.mix_known
    assert member.other_weight is None and member.mix_estimated
    empty = load_watchlist(
        write(tmp_path, GOOD.format(name="test").replace("{optical: 0.9}", "{}")), SEGMENTS
    )
    assert empty.members[0].weights == {} and empty.members[0].other_weight == 1.0


def test_segment_ids_come_from_the_model_folder():
    assert set(load_model(shipped("model")).segments) == SEGMENTS


def test_a_good_file_loads_with_canonical_tickers(tmp_path):
    wl = load_watchlist(write(tmp_path, GOOD.format(name="test")), SEGMENTS)
    assert wl.tickers == ["300308.SZ", "NVDA"]
    assert wl.members[0].other_weight == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ("{optical: 0.9}", "{optical: 0.9, content: 0.2}", 9, ["sum to 1.100", "300308"]),
        ("{optical: 0.9}", "{optical: 1.5}", 9, ["share 1.5 is outside [0, 1]"]),
        ("{optical: 0.9}", "{optical: -0.1}", 9, ["share -0.1 is outside [0, 1]"]),
        ("{optical: 0.9}", "{optical: high}", 9, ["give a revenue share 0-1"]),
        ("{optical: 0.9}", "{optical: {share: 0.9}}", 9, ["needs source and as_of"]),
        (
            "{optical: 0.9}",
            "{optical: {share: 0.9, source: x, as_of: 2025, estimate: true}}",
            9,
            ["estimate", "unknown key"],
        ),
        ("{optical: 0.9}", "{optics: 0.9}", 9, ["unknown segment 'optics'"]),
        ('ticker: "300308"', 'ticker: "60051"', 6, ["60051", "six digits"]),
        ('ticker: "300308"', "ticker: AAPL.SZ", 6, ["AAPL.SZ"]),
        ('ticker: "300308"', "ticker: NVDA", 13, ["NVDA is listed twice"]),
        ("side: compute", "side: hardware", 4, ["side"]),
        ("    thesis: GPUs\n", "", 13, ["thesis", "Field required"]),
        (
            "added: 2023-03-19\n  - ticker: NVDA",
            "added: yesterday\n  - ticker: NVDA",
            12,
            ["added"],
        ),
    ],
)
def test_validation_errors_name_file_line_and_problem(tmp_path, old, new, line, words):
    text = GOOD.format(name="test")
    assert old in text
    path = write(tmp_path, text.replace(old, new, 1))
    with pytest.raises(WatchlistError) as info:
        load_watchlist(path, SEGMENTS)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}:"), message
    for word in words:
        assert word in message


def test_name_must_match_the_file(tmp_path):
    path = write(tmp_path, GOOD.format(name="other"))
    with pytest.raises(WatchlistError, match=r"test.yaml:2: name 'other' differs"):
        load_watchlist(path, SEGMENTS)


def test_invalid_yaml_names_the_line(tmp_path):
    path = write(tmp_path, GOOD.format(name="test").replace("side: compute", "side: [compute"))
    with pytest.raises(WatchlistError, match=r"test.yaml:\d+: \(yaml\): "):
        load_watchlist(path, SEGMENTS)


def test_duplicate_keys_are_refused(tmp_path):
    text = GOOD.format(name="test").replace("side: compute\n", "side: compute\nside: other\n")
    with pytest.raises(WatchlistError, match=r"test.yaml:\d+: \(yaml\): "):
        load_watchlist(write(tmp_path, text), SEGMENTS)


def test_non_utf8_names_the_line(tmp_path):
    path = tmp_path / "test.yaml"
    path.write_bytes(
        GOOD.format(name="test")
        .encode("utf-8")
        .replace("中际旭创".encode(), "中际旭创".encode("gbk"))
    )
    with pytest.raises(WatchlistError, match=r"test.yaml:7: \(file\): not UTF-8"):
        load_watchlist(path, SEGMENTS)


def test_not_a_mapping(tmp_path):
    with pytest.raises(WatchlistError, match=r"test.yaml:1: expected a mapping"):
        load_watchlist(write(tmp_path, "- just\n- a list\n"), SEGMENTS)


def test_loading_never_changes_the_file(tmp_path):
    path = write(tmp_path, GOOD.format(name="test").replace("{optical: 0.9}", "{optical: 2}"))
    before = path.read_bytes()
    with pytest.raises(WatchlistError):
        load_watchlist(path, SEGMENTS)
    assert path.read_bytes() == before


def test_a_short_share_is_built_once_per_value_and_still_checked():
    """``optical: 0.85`` is one frozen Share per value, shared by every member that writes it
    (a 10,000-member list writes a few numbers 20,000 times); a value out of range is still
    refused after a good one, and each form dumps as it was written."""
    from pydantic import ValidationError

    from screener.config.mix import Share

    a, b = Share.model_validate(0.35), Share.model_validate(0.35)
    assert a is b and a.share == 0.35 and a.estimated is True
    assert Share.model_validate(1).share == 1.0 and Share.model_validate(1) is not a
    for bad in (1.5, -0.1, float("nan")):
        with pytest.raises(ValidationError):
            Share.model_validate(bad)
    sourced = Share.model_validate({"share": 0.35, "source": "10-K", "as_of": "2025"})
    assert sourced is not a and sourced.source == "10-K"
    assert a.model_dump() == 0.35 and sourced.model_dump()["share"] == 0.35
