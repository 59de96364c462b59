"""The universes a screen or an update can cover, and what people also call them: plain
constants the CLI's options read without importing the universe machinery (pandas, the cache)."""

from __future__ import annotations

#: the screen's universes
UNIVERSES: tuple[str, ...] = ("watchlists", "a-share", "us", "all")
#: the markets `data update --universe` can list
MARKET_UNIVERSES: dict[str, str] = {"a-share": "CN", "us": "US"}


#: what people also call them (matched in any case, ``_`` for ``-``)
UNIVERSE_ALIASES: dict[str, str] = {
    "cn": "a-share", "a-shares": "a-share", "ashare": "a-share", "ashares": "a-share",
    "china": "a-share", "a": "a-share", "A股": "a-share", "usa": "us", "us-stocks": "us",
    "watchlist": "watchlists", "lists": "watchlists", "everything": "all",
}  # fmt: skip
