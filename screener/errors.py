"""The exception tree. Library code raises these; the CLI turns them into one line and an exit code.

::

    ScreenerError                       anything the tool reports as "error: ..." (exit 1)
    ├── InputError                      bad input a person can fix: says file, line, key or ticker
    │   ├── ConfigError                 a model/ or config file fails validation
    │   ├── WatchlistError              a watchlist file fails validation, or an edit is refused
    │   ├── TickerError                 a ticker is malformed, ambiguous or unknown
    │   └── ScenarioError               an unknown scenario or calibration name
    ├── DataError                       market data cannot be had or trusted
    │   ├── ProviderError               a vendor call failed or returned an unexpected shape
    │   │   ├── RateLimitError          the vendor said 429 / too many requests
    │   │   └── NetworkDownError        no vendor can be reached (DNS, refused, proxy): stop
    │   ├── EmptyDataError              a query returned no rows at all
    │   └── CacheError                  the local cache is locked, corrupt or missing rows
    └── RenderError                     the briefing cannot be rendered
        └── MissingGlyphError           a character has no glyph in any available font

Messages say what happened and what to do next (STYLE.md 4).
"""

from __future__ import annotations


class ScreenerError(Exception):
    """Base class: every error the tool reports without a traceback."""

    exit_code = 1


class InputError(ScreenerError):
    """Bad input a person can fix."""


class ConfigError(InputError):
    """A model/ or configuration file failed validation."""


class WatchlistError(InputError):
    """A watchlist file failed validation, or an edit was refused."""


class TickerError(InputError):
    """A ticker is malformed, ambiguous or unknown."""


class ScenarioError(InputError):
    """An unknown scenario or calibration name."""


class DataError(ScreenerError):
    """Market data cannot be had or trusted."""


class ProviderError(DataError):
    """A vendor call failed or returned a shape we do not recognise.

    ``provider`` and ``ticker`` say which call; vendor exceptions are chained (``raise ... from``).
    """

    def __init__(self, message: str, *, provider: str | None = None, ticker: str | None = None):
        super().__init__(message)
        self.provider = provider
        self.ticker = ticker


class RateLimitError(ProviderError):
    """The vendor refused with HTTP 429 or an equivalent rate-limit answer."""


class NetworkDownError(ProviderError):
    """The network itself is unreachable (no DNS, connection refused, the proxy does not
    answer): no other ticker or vendor would fare better, so a run stops at once."""


class EmptyDataError(DataError):
    """A query returned no rows at all (partial gaps are warnings, not errors)."""


class CacheError(DataError):
    """The local cache is locked by another process, unreadable, or lacks the rows asked for."""


class RenderError(ScreenerError):
    """The briefing cannot be rendered."""


class MissingGlyphError(RenderError):
    """Characters in the briefing have no glyph in any font WeasyPrint can find."""

    def __init__(self, message: str, characters: str = ""):
        super().__init__(message)
        self.characters = characters
