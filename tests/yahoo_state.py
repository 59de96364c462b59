"""yfinance as a fresh process would have it, for tests that serve Yahoo's payloads through
``responses``: a new YfData singleton (no session or cookie strategy leaking between tests),
no cookie and crumb round trip, the time-zone lookup counter reset and the memo caches
cleared on both sides of the test."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yfinance as yf
import yfinance.base
import yfinance.cache
import yfinance.data


@contextlib.contextmanager
def fresh_yfinance(
    monkeypatch: pytest.MonkeyPatch, tz_dir: Path, *, tz_cache_on_disk: bool = False
) -> Iterator[None]:
    """``tz_cache_on_disk``: keep yfinance's time-zone cache in ``tz_dir`` as in production
    (a symbol's time zone is asked for once); otherwise the cache is off and every history
    call asks."""
    monkeypatch.setattr(yfinance.data.SingletonMeta, "_instances", {})
    if tz_cache_on_disk:
        monkeypatch.setattr(yfinance.cache._TzCacheManager, "_tz_cache", None)
        yf.set_tz_cache_location(str(tz_dir))
    else:
        yf.set_tz_cache_location(str(tz_dir))
        monkeypatch.setattr(
            yfinance.cache._TzCacheManager, "_tz_cache", yfinance.cache._TzCacheDummy()
        )
    monkeypatch.setattr(
        yfinance.data.YfData, "_get_cookie_and_crumb", lambda self, timeout=30: (None, "basic")
    )
    monkeypatch.setattr(yfinance.base, "_tz_info_fetch_ctr", 0)
    yfinance.data.YfData.cache_get.cache_clear()
    try:
        yield
    finally:
        yfinance.data.YfData.cache_get.cache_clear()
