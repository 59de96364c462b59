"""The fast YAML reader (screener.config.fast) agrees with ruamel's round-trip reading: the same
values on any generated watchlist, the same line for every key and item, the same errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from screener.config import fast, loader
from screener.errors import WatchlistError
from screener.watchlists import schema

PATH = Path("big.yaml")
#: scalars YAML 1.1 and 1.2 read differently, and others a person writes
TRICKY = [
    "yes", "no", "on", "off", "Yes", "NO", "y", "n", "010", "0o10", "0x1f", "1_000", "1:20",
    "~", "null", "Null", "", "true", "False", "2024-01-02", "2024-1-2", "2023-02-30",
    "2024-01-02 10:00:00", "1e3", ".5", "1.", "-0.0", "+1", ".inf", ".nan", "0.25",
    "12", "-7", "公司", "中际旭创 光模块", "a # not a comment", "T&S", "?0",
    "2.2e8", "1.0e9", "1E9", "-2.5e-3", "+1.5e+10", "1.e5", "01e5", "1.5e08", "1e", "e5",
    # what the line reader (screener.config.lines) must read as the others do, or refuse
    "a: b", "x #y", "x#y", "'q # r'", "'it''s'", "- x", "-1", "-x", "a:b", "{a: 1}", "[1, 2]",
    "[a, b] # c", "{a: yes, b: 010}", "[]", "{}", "[a,]", "&a x", "*a", "|", ">",
    "x:", "中: 文", "\"\\t\"", "\"plain\"", "'x' y", "~ # null",
]  # fmt: skip
QUOTED = [f"'{t}'" for t in TRICKY[:8]] + ['"\\u4e2d"', '"tab\\there"']
_value = st.sampled_from(TRICKY + QUOTED)


def _member(i: int, values: list[str], comment: bool) -> str:
    lines = [f"  # block {i}\n"] if comment else []
    lines.append(f"  - ticker: {600000 + i}.SH\n")
    lines += [f"    k{j}: {v}\n" for j, v in enumerate(values)]
    lines.append(f"    tags: [{', '.join(v for v in values if v and v[0] not in '?=<')}]\n")
    return "".join(lines)


@st.composite
def documents(draw) -> str:
    n = draw(st.integers(min_value=0, max_value=6))
    head = "# generated\nname: big\ntitle: {zh: 大, en: " + draw(_value) + "}\nmembers:\n"
    body = "".join(
        _member(i, draw(st.lists(_value, min_size=1, max_size=4)), draw(st.booleans()))
        for i in range(n)
    )
    return head + (body or "  []\n")


def _locs(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _locs(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _locs(v, (*prefix, i))


def _both(text: str):
    raw = text.encode("utf-8")
    try:
        slow = loader.parse_bytes(PATH, raw, WatchlistError)
    except WatchlistError as exc:
        slow = exc
    try:
        quick = loader.parse_fast(PATH, raw, WatchlistError)
    except WatchlistError as exc:
        quick = exc
    return slow, quick


@pytest.mark.slow
@hyp_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=documents())
@example(text="name: big\nmembers:\n  - {a: yes, b: 010, c: 1:20, d: ~, e: 2024-01-02}\n")
def test_the_fast_reader_gives_what_ruamel_gives(text):
    slow, quick = _both(text)
    if isinstance(slow, Exception):
        assert str(quick) == str(slow)
        return
    assert loader.plain(quick) == loader.plain(slow)
    for loc in _locs(loader.plain(slow)):
        assert loader.line_of(quick, loc) == loader.line_of(slow, loc), loc


def test_yaml_1_1_scalars_read_as_yaml_1_2():
    doc = fast.compose("a: yes\nb: on\nc: 1:20\nd: 12\ne: 0.5\nf: 2024-03-19\ng: ~\nh: 'x'\n")
    assert doc == {"a": "yes", "b": "on", "c": "1:20", "d": 12, "e": 0.5}  | {
        "f": dt.date(2024, 3, 19), "g": None, "h": "x"
    }  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "a: 010\n",  # a 1.2 integer with a leading zero: ruamel's reading
        "a: &x [1]\nb: *x\n",  # an alias
        "a: 1\na: 2\n",  # a duplicate key: ruamel's error
        "%YAML 1.1\n---\na: yes\n",  # a directive
        "a: !!binary aGk=\n",  # a tag
        "a: 2023-02-30\n",  # a day that does not exist: ruamel's error
        "a: [\n",  # a syntax error
        "a: " + "9" * 5000 + "\n",  # an integer Python will not convert
        "a:" + " [" * 120 + " ]" * 120 + "\n",  # deeper than the limit
    ],
)
def test_what_the_fast_reader_is_unsure_of_goes_to_ruamel(text):
    with pytest.raises(fast.Unsure):
        fast.compose(text)
    slow, quick = _both(text)
    assert str(quick) == str(slow) if isinstance(slow, Exception) else quick == slow


def _watchlist(member_lines: str) -> bytes:
    head = "name: big\ntitle: {zh: 大, en: Big}\nside: other\nmembers:\n"
    good = "".join(
        f"  - ticker: {600000 + i}.SH\n    name_en: N{i}\n    mix_source: estimate\n"
        f"    thesis: t\n    added: 2024-01-02\n"
        for i in range(3)
    )
    return (head + good + member_lines).encode("utf-8")


@pytest.mark.parametrize(
    "member",
    [
        "  - ticker: 600009.SH\n    name_en: X\n    mix_source: estimate\n    thesis: t\n"
        "    added: yes\n",
        "  - ticker: 600009.SH\n    name_en: X\n    mix_sorce: estimate\n    thesis: t\n"
        "    added: 2024-01-02\n",
        "  - ticker: 600001.SH\n    name_en: X\n    mix_source: estimate\n    thesis: t\n"
        "    added: 2024-01-02\n",
        "  - ticker: 600009.SH\n    name_en: X\n    mix_source: estimate\n    thesis: t\n"
        "    added: 2024-01-02\n    segments: {optical: 1.5}\n",
        "  - ticker: 600009.SH\n    mix_source: estimate\n    thesis: t\n    added: 2024-01-02\n",
    ],
)
def test_every_watchlist_error_names_the_same_line_as_before(member):
    raw = _watchlist(member)
    with pytest.raises(WatchlistError) as before:
        schema.validate_document(PATH, loader.parse_bytes(PATH, raw, WatchlistError))
    with pytest.raises(WatchlistError) as now:
        schema.load_watchlist_bytes(PATH, raw)
    assert str(now.value) == str(before.value)
    assert ":1" in str(now.value) or str(now.value).split(":")[1] != "1"


@pytest.mark.parametrize(
    "path",
    sorted(
        p
        for folder in ("model", "templates/i18n", "watchlists")
        for p in (Path(__file__).parents[1] / folder).glob("*.yaml")
    ),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_every_shipped_file_reads_the_same_fast_and_slow(path):
    """Every config file goes through the fast reader (loader.read_yaml): each shipped one is
    read by libyaml, not handed back to ruamel, and gives ruamel's values and lines."""
    raw = path.read_bytes()
    fast.compose(raw.decode("utf-8"))  # raises Unsure if ruamel would have to read it
    slow, quick = loader.parse_bytes(path, raw), loader.parse_fast(path, raw)
    assert loader.plain(quick) == loader.plain(slow)
    for loc in _locs(loader.plain(slow)):
        assert loader.line_of(quick, loc) == loader.line_of(slow, loc), loc


def test_the_line_reader_reads_a_plain_list_and_refuses_the_rest():
    """The plainest files are read line by line (screener.config.lines); anything it is not
    sure of goes on to libyaml, then ruamel (the property above compares the results)."""
    from screener.config import lines

    text = (
        "# a list\nname: big\ntitle: {zh: 大, en: Big}\nmembers:\n"
        "  - ticker: 600000.SH  # first\n    segments: {optical: 0.1, edge: 0.05}\n"
        "    tags: [a, b]\n    thesis: 'yes, on: 010'\n"
        "- x\n"
    )
    with pytest.raises(fast.Unsure):
        lines.compose_lines(text)  # a sequence item back at the key's indent after a mapping
    doc = lines.compose_lines(text.replace("- x\n", "  - ticker: NVDA\n"))
    assert doc["members"][0]["segments"] == {"optical": 0.1, "edge": 0.05}
    assert doc["members"][0]["thesis"] == "yes, on: 010" and doc["members"][1] == {"ticker": "NVDA"}
    assert (doc.lines["members"], doc["members"].lines) == (3, [4, 8])
    for refused in ("a: &x 1\n", "a: |\n  b\n", "a: b\n  c\n", "'a': 1\n", "a: [b,\n  c]\n",
                    "a:\tb\n", "a: b\x00\n", "- a\n", "a: {b: [c]}\n"):  # fmt: skip
        with pytest.raises(fast.Unsure):
            lines.compose_lines(refused)
