"""Shared test set-up: no network, a private SCREENER_HOME per test, headless matplotlib."""

from __future__ import annotations

import http.server
import ipaddress
import os
import socket
import threading
from dataclasses import dataclass
from typing import ClassVar

import pytest
from hypothesis import settings as hypothesis_settings

# No per-example deadline anywhere: on a loaded 2-core CI machine a deadline only adds flakes;
# each property test sets its own example budget.
hypothesis_settings.register_profile("screener", deadline=None, print_blob=True)
hypothesis_settings.load_profile("screener")

os.environ.setdefault("MPLBACKEND", "Agg")

_real_connect = socket.socket.connect


def _guarded_connect(self, address):
    host = address[0] if isinstance(address, tuple) else address
    try:
        if isinstance(host, str) and ipaddress.ip_address(host).is_loopback:
            return _real_connect(self, address)
    except ValueError:
        pass
    if isinstance(host, str) and host in ("localhost",):
        return _real_connect(self, address)
    if self.family == socket.AF_UNIX:
        return _real_connect(self, address)
    raise RuntimeError(f"tests must not reach the network (tried {address!r})")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(autouse=True)
def screener_home(tmp_path, monkeypatch):
    """Every test gets its own empty $SCREENER_HOME (cache files, history)."""
    home = tmp_path / "screener-home"
    monkeypatch.setenv("SCREENER_HOME", str(home))
    return home


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Records every request path; answers 200 with no body."""

    hits: ClassVar[list[str]] = []

    def do_GET(self):
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@dataclass
class Listener:
    port: int
    hits: list[str]


@pytest.fixture
def listener():
    """An HTTP server on 127.0.0.1 that records requests: proof that nothing was fetched."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Listener(server.server_address[1], _Recorder.hits)
    server.shutdown()
    server.server_close()
