"""Resilience for vendor calls: which errors are worth retrying, pacing, circuit breakers.

Pure mechanisms with no knowledge of markets or the cache; :mod:`.update` composes them.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator

from ..errors import RateLimitError

log = logging.getLogger(__name__)


def is_transient(exc: BaseException) -> bool:
    """Whether a provider error is worth retrying: 429, 5xx, timeouts, dropped connections.

    Providers may say so with a ``retryable`` attribute; otherwise the status code on the
    error (``status``/``status_code``) or the chained vendor exception decides.
    """
    if isinstance(exc, RateLimitError):
        return True
    flag = getattr(exc, "retryable", None)
    if flag is not None:
        return bool(flag)
    for err in _chain(exc):
        status = getattr(err, "status_code", None) or getattr(err, "status", None)
        status = status or getattr(getattr(err, "response", None), "status_code", None)
        if isinstance(status, int) and (status == 429 or status >= 500):
            return True
        if isinstance(err, TimeoutError | ConnectionError):
            return True
        if type(err).__name__ in _TRANSIENT_NAMES:
            return True
    return False


_TRANSIENT_NAMES = frozenset(
    {"Timeout", "ConnectTimeout", "ReadTimeout", "ConnectionError", "ChunkedEncodingError"}
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    err: BaseException | None = exc
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        yield err
        err = err.__cause__ or err.__context__


class Pacer:
    """Spaces request starts to one provider by ``interval_s`` (±50% jitter), across threads."""

    def __init__(self, interval_s: float, sleep: Callable[[float], None]):
        self.interval_s = interval_s
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> None:
        if self.interval_s <= 0:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval_s * random.uniform(0.5, 1.5)
        if slot > now:
            self._sleep(slot - now)


class Breaker:
    """Opens after ``threshold`` consecutive failures; stays open for the rest of the run."""

    def __init__(self, threshold: int):
        self.threshold = threshold
        self._lock = threading.Lock()
        self._failures = 0
        self.is_open = False

    def record(self, ok: bool) -> None:
        with self._lock:
            self._failures = 0 if ok else self._failures + 1
            if self._failures >= self.threshold and not self.is_open:
                self.is_open = True
                log.warning("circuit opened after %d consecutive failures", self._failures)
