"""The network as the vendor libraries see it: an overall deadline per call, request counting,
and telling "the network is down" from "this ticker failed".

Deadlines
    akshare and yfinance have no overall time limit: akshare's ``request_with_retry`` retries
    with backoff and pages through lists with sleeps, yfinance fetches a cookie and a crumb
    before the call; a call can take minutes when the network misbehaves. :func:`with_deadline`
    runs one vendor call on a daemon thread and gives up waiting after ``seconds``, raising
    :class:`~screener.errors.ProviderError` (the thread is left to finish on its own; it can
    write nothing, since only its return value was ever used).

The network is down
    A failure that no other ticker or vendor could escape (the host name does not resolve, the
    connection is refused, the proxy does not answer, no route) is not the ticker's fault:
    :func:`network_down_reason` reads it off the exception chain, and the providers raise
    :class:`~screener.errors.NetworkDownError`, which stops a whole run at once with one line
    saying what failed and what to do (:func:`offline_advice`), instead of a failure per
    ticker after retries with backoff.

Counting requests
    :func:`counting` attributes every HTTP request made on the current thread (and on the
    deadline threads it starts) to a provider, by wrapping ``requests.Session.request`` and
    ``curl_cffi.requests.Session.request`` once, so an update's summary says how many requests
    each vendor really received, cookie, crumb and retries inside the libraries included.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_DOWN_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        r"name or service not known|failed to resolve|could not resolve host|nodename nor "
        r"servname|temporary failure in name resolution|getaddrinfo failed|dnserror"
        r"|no address associated with hostname|resolving timed out",
        "the host name does not resolve",
    ),
    (r"could not resolve proxy|proxyerror|unable to connect to proxy|proxy connect aborted"
     r"|from proxy after connect|tunnel connection failed", "the proxy does not answer"),
    (r"connectionrefusederror|\[errno (111|61)\]|\[winerror 10061\]|couldn't connect to server"
     r"|failed to connect to .{0,80}connection refused", "the connection was refused"),
    (r"network is unreachable|no route to host|errno 101\b|errno 113\b",
     "there is no route to the host"),
)  # fmt: skip


def exception_texts(exc: BaseException) -> list[str]:
    """``Type: message`` of ``exc`` and each exception it was raised from or during, in order
    (vendor libraries wrap a socket error two or three times); a cycle ends the walk."""
    texts: list[str] = []
    seen: set[int] = set()
    err: BaseException | None = exc
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        texts.append(f"{type(err).__name__}: {err}")
        err = err.__cause__ or err.__context__
    return texts


def network_down_reason(exc: BaseException) -> str | None:
    """Why the network as a whole seems unreachable, read off ``exc``'s chain; None when the
    failure could be the ticker's or the server's (an HTTP status, a bad payload, a reset)."""
    joined = " ".join(exception_texts(exc)).lower()
    for pattern, reason in _DOWN_PATTERNS:
        if re.search(pattern, joined):
            return reason
    return None


def _host(exc: BaseException) -> str | None:
    for text in exception_texts(exc):
        m = re.search(r"host='([^']+)'|https?://([^/:\s'\"]+)|resolve host:? ([\w.-]+)", text)
        if m:
            return next(g for g in m.groups() if g)
    return None


def offline_advice() -> str:
    return (
        "work offline with --demo, load bars from a file with `screener data import FILE "
        "--ticker T`, or, behind a proxy, set HTTPS_PROXY and HTTP_PROXY"
    )


def offline_message(what: str, exc: BaseException, reason: str) -> str:
    """One line: what failed, that the network seems down, and what to do."""
    host = _host(exc)
    where = f" from {host}" if host else ""
    return f"{what}{where}: {reason}; the network seems down: {offline_advice()}"


# -- deadlines ----------------------------------------------------------------------------------


class DeadlineExceeded(TimeoutError):
    """A vendor call did not return within its deadline."""


def with_deadline(fn: Callable[[], T], seconds: float | None, label: str) -> T:
    """``fn()``, or :class:`DeadlineExceeded` after ``seconds`` (None or 0: no deadline).

    ``fn`` runs on a daemon thread that inherits the caller's request counter; exceptions it
    raises are re-raised here unchanged.
    """
    if not seconds:
        return fn()
    box: dict[str, object] = {}
    state = _state()

    def run() -> None:
        _adopt(state)
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=run, name=f"deadline:{label}", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise DeadlineExceeded(f"{label}: no answer within {seconds:g} s")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


# -- counting requests --------------------------------------------------------------------------

_LOCAL = threading.local()
_INSTALL_LOCK = threading.Lock()
_INSTALLED: set[str] = set()
_COUNT_LOCK = threading.Lock()


def _state() -> tuple[Counter | None, str | None]:
    return getattr(_LOCAL, "counter", None), getattr(_LOCAL, "key", None)


def _adopt(state: tuple[Counter | None, str | None]) -> None:
    _LOCAL.counter, _LOCAL.key = state


def _count() -> None:
    counter, key = _state()
    if counter is not None and key is not None:
        with _COUNT_LOCK:
            counter[key] += 1


def _wrap(cls: Any, name: str) -> None:
    if name in _INSTALLED:
        return
    original = cls.request

    def request(self, *args, **kwargs):
        _count()
        return original(self, *args, **kwargs)

    request.__wrapped__ = original  # type: ignore[attr-defined]
    cls.request = request
    _INSTALLED.add(name)


def install() -> None:
    """Count requests made through ``requests`` and ``curl_cffi`` sessions (idempotent)."""
    with _INSTALL_LOCK:
        import requests

        _wrap(requests.Session, "requests")
        try:
            from curl_cffi import requests as curl_requests
        except ImportError:  # pragma: no cover - yfinance brings curl_cffi
            return
        _wrap(curl_requests.Session, "curl_cffi")


@contextlib.contextmanager
def counting(counter: Counter, key: str) -> Iterator[None]:
    """Attribute the HTTP requests made on this thread inside the block to ``counter[key]``."""
    install()
    before = _state()
    _adopt((counter, key))
    try:
        yield
    finally:
        _adopt(before)
